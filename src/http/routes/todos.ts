import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { pageRequest } from '../../domain/pagination.js';
import { getTodo, listTodos } from '../../domain/todos/queries.js';
import { parseTodoStatus } from '../../domain/todos/rules.js';
import { assignTodo, createTodo, deleteTodo, setTodoStatus, updateTodo } from '../../domain/todos/service.js';
import { contextOf } from '../plugins/auth.js';
import { IdParams, bodyOrQuery, errors, mergeInput, pageBody, paged, requireInput } from '../schemas/common.js';
import {
  AssignInput,
  CreateTodoBody,
  ExpectedVersionQuery,
  Todo,
  TodoListQuery,
  TodoStatusInput,
  UpdateTodoBody,
  presentTodo,
  todoChangesOf,
} from '../schemas/todo.js';

const tags = ['todos'];
const security = [{ bearerAuth: [] }];
const statusInput = bodyOrQuery(TodoStatusInput);
const assignInput = bodyOrQuery(AssignInput);

/**
 * `/todos`: the units of work. Team members create, change and delete them; every
 * change can be a compare-and-swap on `version` (`expected_version`, body or query).
 */
const todosRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/todos',
    {
      schema: {
        tags,
        summary: 'Create a todo',
        description:
          'Goes to `element_id`, or to the default element of `project_id` (or of the project of `feature_id`). ' +
          'The element, feature, `blocked_by` todos and assignee must belong to the same project and team.',
        security,
        body: CreateTodoBody,
        response: { 201: Todo, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const todo = await createTodo(contextOf(request), { ...todoChangesOf(body), title: body.title, projectId: body.project_id });
      return reply.status(201).send(presentTodo(todo));
    },
  );

  app.get(
    '/todos',
    {
      schema: {
        tags,
        summary: 'List todos by project, feature, element, assignee and status',
        description:
          'Filters combine. Without project, feature or element it lists the todos assigned to `assigned_to` (default: you). ' +
          'Ordered new → in_progress → done, then position, then creation.',
        security,
        querystring: TodoListQuery,
        response: { 200: paged('todos', Todo), ...errors(401, 404, 422) },
      },
    },
    async (request) => {
      const { project_id, feature_id, element_id, assigned_to, status, ...window } = request.query;
      const page = await listTodos(
        contextOf(request),
        { projectId: project_id, featureId: feature_id, elementId: element_id, assignedTo: assigned_to, status },
        pageRequest(window),
      );
      return pageBody('todos', page, presentTodo);
    },
  );

  app.get(
    '/todos/:id',
    { schema: { tags, summary: 'Get a todo (with its version)', security, params: IdParams, response: { 200: Todo, ...errors(401, 404, 422) } } },
    async (request) => presentTodo(await getTodo(contextOf(request), request.params.id)),
  );

  app.put(
    '/todos/:id',
    {
      schema: {
        tags,
        summary: 'Update a todo',
        description:
          'Fields left out are unchanged; `null` clears (`feature_id: null` unlinks, `assigned_to: null` unassigns). ' +
          'Status moves one step forward (new → in_progress → done) or any step back. With `expected_version` (body or query) ' +
          'a todo changed in the meantime answers 409 `{detail, current_version, updated_by, updated_at}`. ' +
          "While an agent's claim is live, only its holder changes `status` or `assigned_to` (a team leader or admin may, ending the claim); " +
          'others get 409 `{detail, claimed_by, claim_expires_at}`.',
        security,
        params: IdParams,
        querystring: ExpectedVersionQuery,
        body: UpdateTodoBody,
        response: { 200: Todo, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request) => {
      const { expected_version, ...body } = request.body;
      const todo = await updateTodo(
        contextOf(request),
        request.params.id,
        todoChangesOf(body),
        expected_version ?? request.query.expected_version,
      );
      return presentTodo(todo);
    },
  );

  app.delete(
    '/todos/:id',
    { schema: { tags, summary: 'Delete a todo', security, params: IdParams, response: { 204: Type.Null(), ...errors(401, 404, 409, 422) } } },
    async (request, reply) => {
      await deleteTodo(contextOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/todos/:id/status',
    {
      schema: {
        tags,
        summary: "Move a todo through its workflow",
        description:
          '`status` (query or body): new, in_progress or done, one step forward or any step back. `tested` is a feature status (400). ' +
          "The claim's holder renews it (done ends it); anyone else but a team leader or admin gets 409 while it is live.",
        security,
        params: IdParams,
        ...statusInput,
        response: { 200: Todo, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request) => {
      const input = mergeInput(request.query, request.body);
      const status = parseTodoStatus(requireInput(input.status, 'status'));
      return presentTodo(await setTodoStatus(contextOf(request), request.params.id, status, input.expected_version));
    },
  );

  app.post(
    '/todos/:id/assign',
    {
      schema: {
        tags,
        summary: 'Assign a todo to a team member, or unassign it',
        description:
          "`user_id` (query or body) must be a member of the project's team; absent or null unassigns. " +
          "A live claim guards the assignee like the status (409 for others; handing the todo on ends the holder's claim).",
        security,
        params: IdParams,
        ...assignInput,
        response: { 200: Todo, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request) => {
      const input = mergeInput(request.query, request.body);
      return presentTodo(await assignTodo(contextOf(request), request.params.id, input.user_id ?? null, input.expected_version));
    },
  );
};

export default todosRoutes;
