/** The emails InTracker sends; each has an HTML and a plain-text body in every locale. */
export const TEMPLATE_NAMES = ['team_invitation', 'admin_invitation', 'team_added'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];
export type Locale = 'en' | 'hu';

/**
 * The queued form of an email: rendered when the job runs, so a template error fails
 * the job (clearly, once) instead of the request. `invitationCode` points at the row
 * whose `email_sent_at`/`email_error` the job keeps up to date.
 */
export interface EmailJobPayload {
  template: TemplateName;
  locale: Locale;
  to: string;
  vars: Record<string, string>;
  invitationCode?: string;
}

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  readonly provider: 'outbox' | 'smtp' | 'azure';
  send(message: EmailMessage): Promise<void>;
  close(): Promise<void>;
}

/**
 * A provider's refusal. `permanent`: sending the same message again cannot succeed
 * (a refused address, bad credentials, a malformed request), so the job is not retried.
 */
export class MailError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MailError';
  }
}
