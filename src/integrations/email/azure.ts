import { EmailClient } from '@azure/communication-email';
import { type EmailMessage, MailError, type Mailer } from './types.js';

/** How long one send (its request and the polling for its outcome) may take before it counts as failed. */
const SEND_TIMEOUT_MS = 60_000;

/** Azure Communication Services Email; the sender must be a verified address of the resource. */
export class AzureMailer implements Mailer {
  readonly provider = 'azure' as const;
  private readonly client: EmailClient;

  constructor(
    connectionString: string,
    private readonly senderAddress: string,
  ) {
    // The job queue retries with its own backoff and records each failed try; the
    // SDK's retries inside one try would only hide them and hold the job longer.
    // Plain http only to a loopback endpoint (an emulator or a test double), never over a network.
    const loopback = /endpoint=http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/i.test(connectionString);
    this.client = new EmailClient(connectionString, { retryOptions: { maxRetries: 0 }, allowInsecureConnection: loopback });
  }

  async send(message: EmailMessage): Promise<void> {
    let status: string;
    let detail: string | undefined;
    // Bounded well inside the job's lock (5 min), so no other consumer takes the job and sends it twice.
    const abortSignal = AbortSignal.timeout(SEND_TIMEOUT_MS);
    try {
      const poller = await this.client.beginSend(
        {
          senderAddress: this.senderAddress,
          recipients: { to: [{ address: message.to }] },
          content: { subject: message.subject, plainText: message.text, html: message.html },
        },
        { abortSignal },
      );
      const result = await poller.pollUntilDone({ abortSignal });
      status = result.status;
      detail = result.error?.message;
    } catch (error) {
      throw azureError(error);
    }
    if (status !== 'Succeeded') throw new MailError(`Azure email ${status}${detail ? `: ${detail}` : ''}`, false);
  }

  async close(): Promise<void> {}
}

/**
 * HTTP's rule: a 4xx answer means this request will never succeed (bad address, bad
 * credentials, a refused sender), except 408 and 429, which ask to come back later;
 * 5xx and network failures are transient.
 */
function azureError(error: unknown): MailError {
  const status = (error as { statusCode?: unknown }).statusCode;
  const message = error instanceof Error ? error.message : String(error);
  const permanent = typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429;
  return new MailError(`Azure email${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${message}`, permanent, { cause: error });
}
