import type { EmailConfig } from '../../config.js';
import { AzureMailer } from './azure.js';
import { OutboxMailer } from './outbox.js';
import { SmtpMailer } from './smtp.js';
import type { Mailer } from './types.js';

export type { Mailer } from './types.js';

export function createMailer(config: EmailConfig): Mailer {
  switch (config.provider) {
    case 'smtp':
      return new SmtpMailer(config.smtpUrl, config.from);
    case 'azure':
      return new AzureMailer(config.connectionString, config.senderAddress);
    case 'outbox':
      return new OutboxMailer(config.outboxDir, config.from);
  }
}
