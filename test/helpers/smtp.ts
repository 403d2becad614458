import { createServer } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface TestSmtp {
  port: number;
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  url: string;
  messages: ReceivedMail[];
  /** Recipients refused with 550 (a permanent SMTP error) while this returns true. */
  refuse: (address: string) => boolean;
  /** Milliseconds the server sits on each message before accepting it. */
  delayMs: number;
  /** Resolves with the first message to `address` (that `match` accepts), or fails after `timeoutMs`. */
  waitFor(address: string, timeoutMs?: number, match?: (mail: ReceivedMail) => boolean): Promise<ReceivedMail>;
  /** Stops listening (the port stays reserved for `start`). */
  stop(): Promise<void>;
  /** Listens (again) on the same port. */
  start(): Promise<void>;
}

/** A free loopback port: bound by the OS, then released for the SMTP server. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * A real SMTP server (smtp-server) on a random loopback port, collecting what it is
 * sent, parsed with mailparser. `listen: false` reserves the port but starts down.
 */
export async function startSmtp(options: { listen?: boolean } = {}): Promise<TestSmtp> {
  const port = await freePort();
  const messages: ReceivedMail[] = [];
  const waiters: Array<{ accepts: (mail: ReceivedMail) => boolean; resolve: (mail: ReceivedMail) => void }> = [];
  let server: SMTPServer | undefined;

  const smtp: TestSmtp = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    refuse: () => false,
    delayMs: 0,
    async waitFor(address, timeoutMs = 20_000, match = () => true) {
      const accepts = (mail: ReceivedMail) => mail.to.includes(address) && match(mail);
      const found = messages.find(accepts);
      if (found) return found;
      return new Promise<ReceivedMail>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no mail to ${address} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          accepts,
          resolve: (mail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        });
      });
    },
    async stop() {
      const running = server;
      server = undefined;
      if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
    },
    async start() {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        onRcptTo(address, _session, callback) {
          if (smtp.refuse(address.address)) {
            const error = Object.assign(new Error(`No such user: ${address.address}`), { responseCode: 550 });
            callback(error);
            return;
          }
          callback();
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            setTimeout(() => {
              void simpleParser(Buffer.concat(chunks)).then((parsed: ParsedMail) => {
                const mail: ReceivedMail = {
                  to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
                  subject: parsed.subject ?? '',
                  text: parsed.text ?? '',
                  html: typeof parsed.html === 'string' ? parsed.html : '',
                };
                messages.push(mail);
                for (const waiter of waiters.splice(0)) {
                  if (waiter.accepts(mail)) waiter.resolve(mail);
                  else waiters.push(waiter);
                }
                callback();
              }, callback);
            }, smtp.delayMs);
          });
        },
      });
      server.on('error', () => {});
      const listening = server;
      await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve));
    },
  };
  if (options.listen !== false) await smtp.start();
  return smtp;
}
