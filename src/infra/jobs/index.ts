import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { DatabaseJobs } from './database-queue.js';
import type { Jobs, JobsObserver } from './types.js';

export * from './types.js';

/**
 * BullMQ when Redis is configured (shared by every instance), else the database
 * queue. BullMQ (~13 MB resident) is loaded only then.
 */
export async function createJobs(config: Config, db: Db, observer: JobsObserver, log: FastifyBaseLogger): Promise<Jobs> {
  const options = { attempts: config.jobs.attempts, backoffMs: config.jobs.backoffMs, concurrency: config.jobs.concurrency };
  if (config.redis) {
    const { BullJobs } = await import('./bullmq-queue.js');
    return new BullJobs({ url: config.redis.url, prefix: `${config.redis.keyPrefix}bull` }, options, observer, log);
  }
  return new DatabaseJobs(db, { ...options, pollMs: config.jobs.pollMs }, observer, log);
}
