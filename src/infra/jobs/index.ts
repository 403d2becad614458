import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { BullJobs } from './bullmq-queue.js';
import { DatabaseJobs } from './database-queue.js';
import type { Jobs, JobsObserver } from './types.js';

export * from './types.js';

/** BullMQ when Redis is configured (shared by every instance), else the database queue. */
export function createJobs(config: Config, db: Db, observer: JobsObserver, log: FastifyBaseLogger): Jobs {
  const options = { attempts: config.jobs.attempts, backoffMs: config.jobs.backoffMs, concurrency: config.jobs.concurrency };
  if (config.redis) return new BullJobs({ url: config.redis.url, prefix: `${config.redis.keyPrefix}bull` }, options, observer, log);
  return new DatabaseJobs(db, { ...options, pollMs: config.jobs.pollMs }, observer, log);
}
