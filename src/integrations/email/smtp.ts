import nodemailer, { type Transporter } from 'nodemailer';
import { type EmailMessage, MailError, type Mailer } from './types.js';

/** SMTP through nodemailer, configured by one URL (`smtp://user:pass@host:587`, `smtps://…`). */
export class SmtpMailer implements Mailer {
  readonly provider = 'smtp' as const;
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    // A mail server that hangs should fail the try (and be retried), not hold the job forever.
    this.transport = nodemailer.createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  }

  async send(message: EmailMessage): Promise<void> {
    try {
      await this.transport.sendMail({ from: this.from, ...message });
    } catch (error) {
      throw smtpError(error);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/**
 * SMTP's own rule (RFC 5321): a 5yz reply is permanent (no such mailbox, relaying
 * denied, authentication refused), 4yz is transient; no reply at all (refused
 * connection, timeout) is transient too.
 */
function smtpError(error: unknown): MailError {
  const responseCode = (error as { responseCode?: unknown }).responseCode;
  const message = error instanceof Error ? error.message : String(error);
  const permanent = typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
  return new MailError(`SMTP: ${message}`, permanent, { cause: error });
}
