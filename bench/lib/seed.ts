import { type Api, inParallel } from './api.js';

export interface TreeSize {
  elements: number;
  todos: number;
}

export interface SeededProject {
  teamId: string;
  projectId: string;
  elementIds: string[];
  todoIds: string[];
  seconds: number;
}

const SEED_CONCURRENCY = 16;

/** A team and an empty project of its own, so runs and scenarios never share data. */
export async function newProject(api: Api, name: string): Promise<{ teamId: string; projectId: string }> {
  const team = await api.call<{ id: string }>('POST', '/teams', { name: `bench ${name} ${Date.now().toString(36)}` });
  const project = await api.call<{ id: string }>('POST', '/projects', { team_id: team.id, name });
  return { teamId: team.id, projectId: project.id };
}

/**
 * A project shaped like a real one, through the REST API only: a tenth of the
 * elements are modules at the root, the rest components under them; todos spread
 * evenly over all elements; a few features, each linked to a slice of elements.
 * Requests go out `SEED_CONCURRENCY` at a time.
 */
export async function seedTree(api: Api, size: TreeSize): Promise<SeededProject> {
  const started = performance.now();
  const { teamId, projectId } = await newProject(api, 'tree');
  const description = 'Seeded by the benchmark: a paragraph of text the size a real element description has, '.repeat(2);
  const roots = Math.max(1, Math.ceil(size.elements / 10));
  const createElement = (index: number, parentId: string | null) => () =>
    api
      .call<{ id: string }>('POST', '/elements', {
        project_id: projectId,
        parent_id: parentId,
        type: parentId ? 'component' : 'module',
        title: `${parentId ? 'Component' : 'Module'} ${index}`,
        description,
        position: index,
      })
      .then((element) => element.id);
  const rootIds = await inParallel(SEED_CONCURRENCY, Array.from({ length: roots }, (_, i) => createElement(i, null)));
  const childIds = await inParallel(
    SEED_CONCURRENCY,
    Array.from({ length: size.elements - roots }, (_, i) => createElement(i, rootIds[i % roots] as string)),
  );
  const elementIds = [...rootIds, ...childIds];

  const features = Math.min(10, Math.ceil(size.elements / 20));
  const slice = Math.ceil(elementIds.length / features);
  await inParallel(
    SEED_CONCURRENCY,
    Array.from({ length: features }, (_, i) => () =>
      api.call('POST', '/features', {
        project_id: projectId,
        name: `Feature ${i}`,
        element_ids: elementIds.slice(i * slice, (i + 1) * slice).slice(0, 200),
      }),
    ),
  );

  const todoIds = await inParallel(
    SEED_CONCURRENCY,
    Array.from({ length: size.todos }, (_, i) => () =>
      api
        .call<{ id: string }>('POST', '/todos', {
          element_id: elementIds[i % elementIds.length],
          title: `Todo ${i}`,
          description: 'Seeded by the benchmark.',
          priority: (['low', 'medium', 'high', 'critical'] as const)[i % 4],
        })
        .then((todo) => todo.id),
    ),
  );
  return { teamId, projectId, elementIds, todoIds, seconds: +((performance.now() - started) / 1000).toFixed(1) };
}
