import { eq } from 'drizzle-orm';
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
export function emailJobHandler(db: Db, mailer: Mailer): JobHandler<'email.send'> {
  return async (payload) => {
    try {
      const message = render(payload.template, payload.locale, payload.to, payload.vars);
      await mailer.send(message);
    } catch (error) {
      if (payload.invitationCode) {
        await db.update(invitationCodes).set({ emailError: errorText(error) }).where(eq(invitationCodes.code, payload.invitationCode));
      }
      throw error;
    }
    if (payload.invitationCode) {
      await db
        .update(invitationCodes)
        .set({ emailSentAt: new Date(), emailSentTo: payload.to, emailError: null })
        .where(eq(invitationCodes.code, payload.invitationCode));
    }
  };
}
