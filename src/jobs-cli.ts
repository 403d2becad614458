import closeWithGrace from 'close-with-grace';
import Fastify from 'fastify';
import type { Config } from './config.js';
import { loggerOptions } from './infra/logging.js';
import { closeServices, createServices } from './services.js';

/**
 * `intracker worker`: consumes the job queue without serving HTTP, for deployments
 * that keep slow work (email) off the API servers (those then run with
 * JOBS_IN_SERVER=false). With Redis any number of workers share the queue; without
 * it they share the database's `jobs` table.
 */
export async function runWorker(config: Config): Promise<number> {
  // Only for its logger: Fastify's pino with our redaction, as the server logs.
  const logHost = Fastify({ logger: loggerOptions(config.logLevel) });
  const services = await createServices(config, logHost.log, { whenDataDirOwned: 'join' });
  await services.startJobs();
  logHost.log.info({ queue: services.jobs.kind, email: services.mailer.provider }, 'worker started');
  closeWithGrace({ delay: 15_000 }, async ({ signal, err }) => {
    if (err) logHost.log.error({ err }, 'worker shutting down after an error');
    else logHost.log.info({ signal }, 'worker shutting down');
    await closeServices(services);
  });
  return new Promise<number>(() => {}); // runs until a signal arrives
}

/** CLI output goes to stdout; the logger writes to stderr. */
const print = (line: string) => process.stdout.write(`${line}\n`);

/** `intracker jobs failed [--limit N]` and `intracker jobs retry <id>`. */
export async function jobsCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'failed' && sub !== 'retry') {
    console.error('Usage: intracker jobs failed | intracker jobs retry <id>');
    return 1;
  }
  if (sub === 'retry' && !rest[0]) {
    console.error('jobs retry needs the id of a failed job (see `intracker jobs failed`)');
    return 1;
  }
  const logHost = Fastify({ logger: loggerOptions('warn', process.stderr) });
  const services = await createServices(config, logHost.log, { whenDataDirOwned: 'join' });
  try {
    if (sub === 'failed') {
      const { jobs, total } = await services.jobs.list('failed', { offset: 0, limit: 100 });
      if (total === 0) print('No failed jobs.');
      for (const job of jobs) {
        print(`${job.id}\t${job.name}\t${job.attempts}/${job.maxAttempts} tries\t${job.failedAt?.toISOString() ?? ''}\t${job.lastError ?? ''}`);
      }
      if (total > jobs.length) print(`… and ${total - jobs.length} more`);
      return 0;
    }
    const job = await services.jobs.retry(rest[0]!);
    if (!job) {
      console.error(`No failed job with id ${rest[0]}`);
      return 1;
    }
    print(`Queued ${job.name} ${job.id} again.`);
    return 0;
  } finally {
    await closeServices(services);
  }
}
