/**
 * The Cursor rules file an agent keeps in the project repository
 * (`.cursor/rules/intracker-project-rules.mdc`, reference/mcp.md §4.1). Pure: the
 * caller passes the project, the team's language and the time, and writes nothing.
 *
 * Unlike the old generator it states the real workflows (todos new → in_progress →
 * done, features … → done → tested → merged) and names only tools that exist.
 */

export type RulesLanguage = 'en' | 'hu';

export interface RulesProject {
  id: string;
  name: string;
  description: string | null;
  status: string;
  tags: readonly string[];
  technologyTags: readonly string[];
  githubRepoUrl: string | null;
  cursorInstructions: string | null;
  updatedAt: Date;
}

export interface RulesOptions {
  /** The team's language; anything else (or none) means English. */
  language?: string | null | undefined;
  /** Replaces the project's own cursor instructions when given. */
  customInstructions?: string | null | undefined;
  /** The `version` in the front matter; the generator never reads the clock itself. */
  generatedAt: Date;
}

export const RULES_FILE_PATH = '.cursor/rules/intracker-project-rules.mdc';

const FRONTEND_TAGS = ['react', 'vue', 'angular', 'svelte', 'frontend'];

interface Strings {
  projectInformation: string;
  cursorInstructions: string;
  noInstructions: string;
  developmentRules: string;
  environmentStrategy: string;
  environmentLines: string[];
  coreWorkflow: string;
  coreSteps: string[];
  workflows: string;
  todoWorkflow: string;
  featureWorkflow: string;
  workflowNotes: string[];
  gitWorkflow: string;
  gitSteps: string[];
  gitAlways: string;
  gitNever: string;
  docker: string;
  dockerLines: string[];
  mcpServer: string;
  mcpServerLine: string;
  frontend: string;
  frontendLine: string;
  github: string;
  githubSteps: string[];
  integration: string;
  integrationLines: string[];
  languageRule: string;
  userInteraction: string;
  askBefore: string;
  askBeforeItems: string[];
  neverAsk: string;
  neverAskItems: string[];
  projectSpecific: string;
  generatedBy: string;
  lastUpdated: string;
  none: string;
  notConnected: string;
}

const EN: Strings = {
  projectInformation: 'Project Information',
  cursorInstructions: 'Cursor Instructions',
  noInstructions: 'No project-specific instructions yet.',
  developmentRules: 'Development Rules',
  environmentStrategy: 'Environment Strategy',
  environmentLines: [
    '- MVP phase: everything runs locally in Docker.',
    '- After the MVP: Azure, staging first, then production.',
    '- Never deploy to Azure during the MVP phase.',
  ],
  coreWorkflow: 'Core Workflow (mandatory, every session)',
  coreSteps: [
    '1. **Identify the project**: call `mcp_enforce_workflow` with the `projectId` from `.intracker/config.json` (or pass `path`, `gitRemoteUrl` or the config file content). Fallbacks: `mcp_identify_project_by_path`, `mcp_list_projects`. Ask the user before `mcp_create_project`.',
    '2. **Resume**: read `mcp_get_resume_context` — `last` (previous session), `now.next_todos` (ranked for you), `next_blockers`, `constraints` — and keep this rules file current with `mcp_load_cursor_rules`.',
    '3. **Session**: `mcp_start_session` with your goal; `mcp_update_session` as todos get done; `mcp_end_session` with a summary at the end (it becomes the next session’s `last`).',
    '4. **Pick work**: `mcp_claim_next_todo` (or a todo from `now.next_todos`); create missing work with `mcp_create_todo` on an element (the "Default" element always exists).',
    '5. **Work the todo**: `mcp_update_todo_status` → `in_progress` → implement → lint → test → `done`. Always send `expectedVersion` (the `version` every todo read returns).',
    '6. **Record knowledge**: decisions and constraints go into documents (`mcp_create_document`, type `adr`/`constraints`); look things up with `mcp_search`.',
    '7. **Commit and push** following the git rules below, then finish the todo.',
  ],
  workflows: 'Workflows (exact statuses)',
  todoWorkflow: '**Todos**: `new` → `in_progress` → `done`. One step at a time; moving back is allowed. There is no `tested` status for todos.',
  featureWorkflow: '**Features**: `new` → `in_progress` → `done` → `tested` → `merged`. `tested` and `merged` need every todo of the feature done; `tested` after testing, `merged` after the merge.',
  workflowNotes: [
    '- A feature moves to `in_progress` by itself when work starts and to `done` when all its todos are done; `tested` and `merged` are set with `mcp_update_feature_status`.',
    '- A version conflict means someone else changed the todo: re-read it and retry with the new `version`.',
    '- A todo claimed by someone else is not yours: pick another one or ask.',
  ],
  gitWorkflow: 'Git Workflow',
  gitSteps: [
    '1. `git branch --show-current`; feature work happens on `feature/<slug>`, other work on `develop`. Never commit to `main`/`master`.',
    '2. `git status` → `git diff` → `git add -A` → `git status`.',
    '3. Commit: `{type}({scope}): {description} [feature:{featureId}]`, type one of feat, fix, refactor, docs, test, chore; body lines `- [x] <todo title>`.',
    '4. `git push`, then set the todo `done`.',
  ],
  gitAlways: 'ALWAYS: check the branch first, review the diff before committing, push after committing, link pull requests to their todos.',
  gitNever: 'NEVER: commit to main/master, force-push shared branches, use `mcp_create_branch_for_feature` (create branches locally and link them).',
  docker: 'Docker',
  dockerLines: [
    '- Services: postgres 16 (5433→5432), redis 7-alpine (6379), backend (3000).',
    '- `docker-compose up -d`, `docker-compose logs -f <service>`, `docker-compose restart <service>`.',
    '- Health: `curl http://localhost:3000/health`. Restart the backend after changing its dependencies or configuration.',
  ],
  mcpServer: 'MCP Server',
  mcpServerLine: 'After `docker-compose restart mcp-server` the user MUST reload the MCP server in Cursor.',
  frontend: 'Frontend',
  frontendLine: 'The Vite dev server (http://localhost:5173) reloads by itself; restart it only after changing its configuration or dependencies.',
  github: 'GitHub',
  githubSteps: [
    '- Branch names: `feature/{{feature-name}}`, `fix/{{short-description}}`.',
    '- Flow: create the branch locally → `git push -u origin <branch>` → `mcp_link_branch_to_feature` → commits → `mcp_create_github_pr` (base `develop`) → `mcp_link_todo_to_pr` for each done todo → after review and merge set the feature `tested`, then `merged`.',
    '- `mcp_get_branch_info` shows a feature’s branches, their status and commits.',
  ],
  integration: 'InTracker Integration',
  integrationLines: [
    '- ALWAYS use InTracker to track the work: no untracked work, no status left behind.',
    '- Todos: `mcp_create_todo`, `mcp_update_todo_status`, `mcp_claim_next_todo`, `mcp_release_todo`; send `expectedVersion` on every update.',
    '- Features: `mcp_create_feature`, `mcp_get_feature`, `mcp_update_feature_status`.',
    '- Structure: `mcp_get_project_structure`, `mcp_create_element`; ideas: `mcp_create_idea`, `mcp_convert_idea_to_project`.',
    '- Sessions: `mcp_start_session` → `mcp_update_session` → `mcp_end_session`.',
  ],
  languageRule: 'Write todos, features, documents and session summaries in English (the team’s language).',
  userInteraction: 'User Interaction',
  askBefore: 'Ask the user before:',
  askBeforeItems: [
    'creating a new project',
    'deploying to production',
    'breaking changes',
    'deleting data',
    'architecture changes',
    'adding external APIs or services',
    'operations that take longer than 30 seconds',
  ],
  neverAsk: 'Do not ask about:',
  neverAskItems: ['routine implementation', 'InTracker status updates', 'GitHub sync', 'formatting', 'running tests', 'restarting services'],
  projectSpecific: 'Project-Specific Information',
  generatedBy: 'Generated by the InTracker MCP server.',
  lastUpdated: 'Last updated',
  none: 'None',
  notConnected: 'Not connected',
};

const HU: Strings = {
  projectInformation: 'Projekt információk',
  cursorInstructions: 'Cursor utasítások',
  noInstructions: 'Még nincsenek projekt-specifikus utasítások.',
  developmentRules: 'Fejlesztési szabályok',
  environmentStrategy: 'Környezeti stratégia',
  environmentLines: [
    '- MVP fázis: minden helyben, Dockerben fut.',
    '- Az MVP után: Azure, előbb staging, aztán éles.',
    '- Az MVP fázisban soha ne telepíts Azure-ba.',
  ],
  coreWorkflow: 'Alap munkafolyamat (kötelező, minden munkamenetben)',
  coreSteps: [
    '1. **Azonosítsd a projektet**: hívd a `mcp_enforce_workflow` eszközt a `.intracker/config.json` `projectId`-jával (vagy add meg a `path`, `gitRemoteUrl` értéket, illetve a konfigurációs fájl tartalmát). Tartalék: `mcp_identify_project_by_path`, `mcp_list_projects`. `mcp_create_project` előtt kérdezd meg a felhasználót.',
    '2. **Folytatás**: olvasd el a `mcp_get_resume_context` eredményét — `last` (előző munkamenet), `now.next_todos` (neked rangsorolva), `next_blockers`, `constraints` —, és a `mcp_load_cursor_rules` eszközzel tartsd naprakészen ezt a szabályfájlt.',
    '3. **Munkamenet**: `mcp_start_session` a céloddal; `mcp_update_session`, ahogy a todók elkészülnek; a végén `mcp_end_session` összefoglalóval (ez lesz a következő munkamenet `last` része).',
    '4. **Feladatválasztás**: `mcp_claim_next_todo` (vagy egy todo a `now.next_todos` listából); a hiányzó munkát `mcp_create_todo` hozza létre egy elemen (a "Default" elem mindig létezik).',
    '5. **A todo elvégzése**: `mcp_update_todo_status` → `in_progress` → megvalósítás → lint → teszt → `done`. Mindig küldd az `expectedVersion` értéket (a `version`, amit minden todo-olvasás visszaad).',
    '6. **Tudás rögzítése**: döntések és korlátok dokumentumokba (`mcp_create_document`, típus `adr`/`constraints`); keresés: `mcp_search`.',
    '7. **Commit és push** az alábbi git szabályok szerint, aztán zárd le a todót.',
  ],
  workflows: 'Munkafolyamatok (pontos státuszok)',
  todoWorkflow: '**Todók**: `new` → `in_progress` → `done`. Egyszerre egy lépés; visszalépni szabad. Todónak nincs `tested` státusza.',
  featureWorkflow: '**Feature-ök**: `new` → `in_progress` → `done` → `tested` → `merged`. A `tested` és a `merged` feltétele, hogy a feature minden todója `done` legyen; `tested` a tesztelés után, `merged` a merge után.',
  workflowNotes: [
    '- A feature magától `in_progress` lesz, amikor elindul rajta a munka, és `done`, amikor minden todója kész; a `tested` és `merged` státuszt a `mcp_update_feature_status` állítja.',
    '- Verzióütközés azt jelenti, hogy más módosította a todót: olvasd újra, és próbáld újra az új `version` értékkel.',
    '- A más által lefoglalt todo nem a tiéd: válassz másikat, vagy kérdezz.',
  ],
  gitWorkflow: 'Git munkafolyamat',
  gitSteps: [
    '1. `git branch --show-current`; feature munka a `feature/<slug>` ágon, minden más a `develop` ágon. Soha ne commitolj a `main`/`master` ágra.',
    '2. `git status` → `git diff` → `git add -A` → `git status`.',
    '3. Commit: `{type}({scope}): {description} [feature:{featureId}]`, a type: feat, fix, refactor, docs, test, chore; a törzsben `- [x] <todo címe>` sorok.',
    '4. `git push`, majd állítsd a todót `done` státuszba.',
  ],
  gitAlways: 'MINDIG: előbb ellenőrizd az ágat, commit előtt nézd át a diffet, commit után pusholj, a pull requesteket kösd a todókhoz.',
  gitNever: 'SOHA: ne commitolj main/master ágra, ne force-pusholj közös ágra, ne használd a `mcp_create_branch_for_feature` eszközt (az ágat helyben hozd létre és kösd be).',
  docker: 'Docker',
  dockerLines: [
    '- Szolgáltatások: postgres 16 (5433→5432), redis 7-alpine (6379), backend (3000).',
    '- `docker-compose up -d`, `docker-compose logs -f <szolgáltatás>`, `docker-compose restart <szolgáltatás>`.',
    '- Állapot: `curl http://localhost:3000/health`. A backendet függőség- vagy konfigurációváltozás után indítsd újra.',
  ],
  mcpServer: 'MCP szerver',
  mcpServerLine: 'A `docker-compose restart mcp-server` után a felhasználónak KÖTELEZŐ újratöltenie az MCP szervert a Cursorban.',
  frontend: 'Frontend',
  frontendLine: 'A Vite fejlesztői szerver (http://localhost:5173) magától újratölt; csak konfiguráció- vagy függőségváltozás után kell újraindítani.',
  github: 'GitHub',
  githubSteps: [
    '- Ágnevek: `feature/{{feature-name}}`, `fix/{{short-description}}`.',
    '- Folyamat: ág helyben → `git push -u origin <ág>` → `mcp_link_branch_to_feature` → commitok → `mcp_create_github_pr` (base `develop`) → `mcp_link_todo_to_pr` minden kész todóra → review és merge után a feature `tested`, majd `merged`.',
    '- A `mcp_get_branch_info` mutatja egy feature ágait, állapotukat és commitjaikat.',
  ],
  integration: 'InTracker integráció',
  integrationLines: [
    '- MINDIG használd az InTrackert a munka követésére: nincs nyilvántartás nélküli munka, nincs elmaradt státusz.',
    '- Todók: `mcp_create_todo`, `mcp_update_todo_status`, `mcp_claim_next_todo`, `mcp_release_todo`; minden módosításnál küldd az `expectedVersion` értéket.',
    '- Feature-ök: `mcp_create_feature`, `mcp_get_feature`, `mcp_update_feature_status`.',
    '- Struktúra: `mcp_get_project_structure`, `mcp_create_element`; ötletek: `mcp_create_idea`, `mcp_convert_idea_to_project`.',
    '- Munkamenetek: `mcp_start_session` → `mcp_update_session` → `mcp_end_session`.',
  ],
  languageRule: 'A todókat, feature-öket, dokumentumokat és munkamenet-összefoglalókat magyarul írd (a csapat nyelve).',
  userInteraction: 'Kapcsolat a felhasználóval',
  askBefore: 'Kérdezd meg a felhasználót, mielőtt:',
  askBeforeItems: [
    'új projektet hozol létre',
    'élesbe telepítesz',
    'visszafelé nem kompatibilis változtatást végzel',
    'adatot törölsz',
    'az architektúrát módosítod',
    'külső API-t vagy szolgáltatást vezetsz be',
    '30 másodpercnél hosszabb műveletet indítasz',
  ],
  neverAsk: 'Ne kérdezz ezekről:',
  neverAskItems: ['rutin fejlesztés', 'InTracker státuszfrissítések', 'GitHub szinkron', 'formázás', 'tesztek futtatása', 'szolgáltatások újraindítása'],
  projectSpecific: 'Projekt-specifikus információk',
  generatedBy: 'Az InTracker MCP szerver generálta.',
  lastUpdated: 'Utoljára frissítve',
  none: 'Nincs',
  notConnected: 'Nincs összekapcsolva',
};

export function rulesLanguage(language: string | null | undefined): RulesLanguage {
  return language === 'hu' ? 'hu' : 'en';
}

export function generateCursorRules(project: RulesProject, options: RulesOptions): string {
  const t = rulesLanguage(options.language) === 'hu' ? HU : EN;
  const tags = [...project.tags, ...project.technologyTags].map((tag) => tag.toLowerCase());
  const hasTag = (...names: string[]) => names.some((name) => tags.includes(name));
  const hasRepo = Boolean(project.githubRepoUrl);
  const instructions = options.customInstructions?.trim() || project.cursorInstructions?.trim() || t.noInstructions;

  const sections: string[] = [
    [
      '---',
      'name: intracker-project-rules',
      `description: Cursor AI instructions for ${oneLine(project.name)}`,
      `version: ${options.generatedAt.toISOString()}`,
      '---',
      '',
      `# Cursor Rules for ${project.name}`,
      ...(project.description ? ['', project.description] : []),
    ].join('\n'),
    [
      `## ${t.projectInformation}`,
      `- ID: \`${project.id}\``,
      `- Status: ${project.status}`,
      `- Tags: ${project.tags.length > 0 ? project.tags.join(', ') : t.none}`,
      `- Technology Tags: ${project.technologyTags.length > 0 ? project.technologyTags.join(', ') : t.none}`,
      `- GitHub: ${project.githubRepoUrl ?? t.notConnected}`,
    ].join('\n'),
    `## ${t.cursorInstructions}\n${instructions}`,
    [`## ${t.developmentRules}`, '', `### ${t.environmentStrategy}`, ...t.environmentLines].join('\n'),
    [`### ${t.coreWorkflow}`, ...t.coreSteps].join('\n'),
    [`### ${t.workflows}`, `- ${t.todoWorkflow}`, `- ${t.featureWorkflow}`, ...t.workflowNotes].join('\n'),
  ];
  if (hasRepo) sections.push([`### ${t.gitWorkflow}`, ...t.gitSteps, '', t.gitAlways, t.gitNever].join('\n'));
  if (hasTag('docker')) sections.push([`### ${t.docker}`, ...t.dockerLines].join('\n'));
  if (hasTag('mcp')) sections.push(`### ${t.mcpServer}\n${t.mcpServerLine}`);
  if (hasTag(...FRONTEND_TAGS)) sections.push(`### ${t.frontend}\n${t.frontendLine}`);
  if (hasRepo) sections.push([`### ${t.github}`, ...t.githubSteps].join('\n'));
  sections.push([`### ${t.integration}`, ...t.integrationLines, `- ${t.languageRule}`].join('\n'));
  sections.push(
    [
      `### ${t.userInteraction}`,
      t.askBefore,
      ...t.askBeforeItems.map((item) => `- ${item}`),
      '',
      t.neverAsk,
      ...t.neverAskItems.map((item) => `- ${item}`),
    ].join('\n'),
  );
  sections.push(
    [
      `### ${t.projectSpecific}`,
      `- Project ID: \`${project.id}\``,
      `- Status: ${project.status}`,
      '- `mcp_get_resume_context`, `mcp_get_project_context`, `mcp_get_active_todos`',
      '',
      t.generatedBy,
      `${t.lastUpdated}: ${project.updatedAt.toISOString()}`,
    ].join('\n'),
  );
  return `${sections.join('\n\n')}\n`;
}

/** Front matter is one line per key: a name with a newline must not break it. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
