import { eq } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.js';
import { invitationCodes } from '../../db/schema.js';
import { type JobHandler, errorText } from '../../infra/jobs/types.js';
import { render } from './templates.js';
import type { Mailer } from './types.js';

/**
 * The `email.send` job: render, send, and keep the invitation row's delivery state
 * (`email_sent_at` on success, `email_error` after each failed try) so leaders and
 * admins can see what happened without reading logs.
 */
export function emailJobHandler(db: Db, mailer: Mailer, log: FastifyBaseLogger): JobHandler<'email.send'> {
  // Recording is best effort: a failed update must neither hide the send's own error
  // (a permanent one would turn into retries) nor, after a send, send the mail again.
  const record = (code: string, values: Partial<typeof invitationCodes.$inferInsert>) =>
    db
      .update(invitationCodes)
      .set(values)
      .where(eq(invitationCodes.code, code))
      .catch((error: unknown) => log.error({ err: error }, 'could not record an invitation email outcome'));
  return async (payload) => {
    try {
      const message = render(payload.template, payload.locale, payload.to, payload.vars);
      await mailer.send(message);
    } catch (error) {
      if (payload.invitationCode) await record(payload.invitationCode, { emailError: errorText(error) });
      throw error;
    }
    if (payload.invitationCode) await record(payload.invitationCode, { emailSentAt: new Date(), emailSentTo: payload.to, emailError: null });
  };
}
