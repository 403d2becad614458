#!/usr/bin/env node
import { parseArgs } from 'node:util';
import closeWithGrace from 'close-with-grace';
import Fastify from 'fastify';
import { buildApp } from './app.js';
import { ConfigError, type Config, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { createAdmin } from './domain/users/admin-cli.js';
import { passwordPolicyMessage, passwordProblems } from './domain/users/rules.js';
import { loggerOptions } from './infra/logging.js';
import { closeServices, createServices } from './services.js';
import { EXIT_ENVIRONMENT, StartupFailure, explainFailure } from './startup-errors.js';

const USAGE = `Usage: intracker <command> [options]

Commands:
  serve                                   start the HTTP server (PORT, HOST, DATABASE_URL, …)
  migrate                                 apply pending database migrations and exit
  create-admin --email E --password P [--name N]
                                          create a global admin (or promote an existing user)
  mcp                                     MCP over stdio for a local agent: bridges to INTRACKER_URL's /mcp,
                                          or without it serves from the configured database
                                          (INTRACKER_API_KEY, optional INTRACKER_MCP_TOOLS, INTRACKER_PROJECT_ID)
  worker                                  run background jobs (email, clean-ups) without serving HTTP
  jobs failed                             list dead-lettered jobs (id, type, tries, last error)
  jobs retry <id>                         queue a dead-lettered job again with fresh tries

Configuration comes from environment variables: see docs/configuration.md.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      return serve(config);
    case 'migrate':
      return migrateOnly(config);
    case 'create-admin':
      return createAdminCommand(config, rest);
    case 'mcp': {
      // Loaded only here: the other commands need none of the MCP server.
      const { runStdio } = await import('./mcp/stdio.js');
      return runStdio(config);
    }
    case 'worker':
    case 'jobs': {
      const { runWorker, jobsCommand } = await import('./jobs-cli.js');
      return command === 'worker' ? runWorker(config) : jobsCommand(config, rest);
    }
    default:
      console.error(`Unknown command: ${command}\n\n${USAGE}`);
      return 1;
  }
}

async function serve(config: Config): Promise<number> {
  const app = await buildApp(config);
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.fastify.log.error({ err }, 'shutting down after an error');
    else app.fastify.log.info({ signal }, 'shutting down');
    await app.close();
  });
  let address: string;
  try {
    address = await app.fastify.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close(); // releases the embedded data dir before the process exits
    throw error;
  }
  // Printed whatever LOG_LEVEL says: with PORT=0 this is the only place the port shows.
  const base = (config.backendUrl ?? address).replace(/\/+$/, '');
  console.log(`InTracker is listening at ${address} — open ${base}/ in a browser.`);
  if (app.firstStart.kind === 'invitation') {
    const { code } = app.firstStart.invitation;
    console.log(
      [
        '',
        'No admin exists yet. Register the first admin with this one-time invitation code:',
        `  code: ${code}`,
        `  page: ${base}/?code=${encodeURIComponent(code)}`,
        `  api:  POST ${address}/auth/register {"email", "password", "name", "invitation_code": "${code}"}`,
        'Or run: intracker create-admin --email you@example.com --password …',
        '',
      ].join('\n'),
    );
  } else if (app.firstStart.kind === 'admin_created') {
    console.log(`Created the admin ${app.firstStart.email} from INTRACKER_ADMIN_EMAIL.`);
  }
  return new Promise<number>(() => {}); // serve until a signal arrives
}

// The CLI commands work through the owning server's database when one runs on the
// same data dir, and own the directory themselves while they run otherwise.

async function migrateOnly(config: Config): Promise<number> {
  const database = await openDatabase(config.database, { whenOwned: 'join', poolSize: 1 });
  try {
    await database.migrate();
    console.log('Database is up to date.');
    return 0;
  } finally {
    await database.close();
  }
}

async function createAdminCommand(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
    strict: true,
  });
  if (!values.email || !values.password) {
    console.error('create-admin needs --email and --password');
    return 1;
  }
  // Checked before the database opens, so a weak password fails at once and says why.
  const problems = passwordProblems(values.password);
  if (problems.length > 0) throw new StartupFailure(`${passwordPolicyMessage(problems)}; choose a stronger --password`);
  // The server's own services (joining a running server's embedded database), so the
  // change is one mutation like any other, with its activity row. Its event goes out on
  // this process's bus; a running server's memo trusts the old role for at most 60 s
  // (docs/development.md).
  const logHost = Fastify({ logger: loggerOptions(config.logLevel, process.stderr) });
  const services = await createServices(config, logHost.log, { whenDataDirOwned: 'join' });
  try {
    const result = await createAdmin(services.database.db, (actor) => services.contextFor(actor), {
      email: values.email,
      password: values.password,
      name: values.name,
    });
    console.log(result === 'created' ? `Created admin ${values.email}.` : `${values.email} exists; it is now an admin.`);
    return 0;
  } finally {
    await closeServices(services);
  }
}

const command = process.argv[2] ?? 'intracker';
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    const explained = explainFailure(error, loadedConfig());
    if (explained) {
      // One line naming the problem and the fix; the stack would only bury it.
      console.error(`intracker ${command}: ${explained}`);
      process.exit(EXIT_ENVIRONMENT);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);

function loadedConfig(): Config | undefined {
  try {
    return loadConfig();
  } catch {
    return undefined;
  }
}
