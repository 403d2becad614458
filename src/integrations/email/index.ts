import type { EmailConfig } from '../../config.js';
import { OutboxMailer } from './outbox.js';
import { SmtpMailer } from './smtp.js';
import type { Mailer } from './types.js';

export type { Mailer } from './types.js';

/** The configured provider's mailer; Azure's SDK (~10 MB resident) is loaded only when it is the one. */
export async function createMailer(config: EmailConfig): Promise<Mailer> {
  switch (config.provider) {
    case 'smtp':
      return new SmtpMailer(config.smtpUrl, config.from);
    case 'azure': {
      const { AzureMailer } = await import('./azure.js');
      return new AzureMailer(config.connectionString, config.senderAddress);
    }
    case 'outbox':
      return new OutboxMailer(config.outboxDir, config.from);
  }
}
