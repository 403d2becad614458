import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailMessage, Mailer } from './types.js';

/**
 * The embedded default: each email becomes an `.eml` file in `DATA_DIR/outbox`, which
 * any mail client opens. Nothing leaves the machine, so trying InTracker needs no mail
 * server, and the invitation link is still at hand.
 */
export class OutboxMailer implements Mailer {
  readonly provider = 'outbox' as const;
  // nodemailer only composes here (RFC 5322 text with MIME parts); nothing is sent.
  private readonly composer: Transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  constructor(
    private readonly dir: string,
    private readonly from: string,
  ) {}

  async send(message: EmailMessage): Promise<void> {
    const info = (await this.composer.sendMail({ from: this.from, ...message })) as { message: Buffer };
    await mkdir(this.dir, { recursive: true });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`;
    // Written under a temporary name first, so a reader never sees half a message.
    const partial = join(this.dir, `.${name}.tmp`);
    await writeFile(partial, info.message);
    await rename(partial, join(this.dir, name));
  }

  async close(): Promise<void> {}
}
