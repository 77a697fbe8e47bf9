// A real SMTP server on 127.0.0.1 (smtp-server), capturing what the app sends so tests read the
// mail a user would get: `await smtp.nextMessage({ to })` resolves when a message for that
// recipient arrives (or at once if one is already waiting), parsed by mailparser. No polling:
// arrivals settle the waiting promises. Plain SMTP, no TLS, no authentication required.
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export interface CapturedMessage {
  /** Envelope recipients (RCPT TO), lower-cased. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  /** The raw RFC 822 bytes as received. */
  raw: Buffer;
}

export interface SmtpCapture {
  /** smtp://127.0.0.1:<port>, for BULWARK_SMTP_URL. */
  url: string;
  port: number;
  /** Every message received so far, in order (consumed or not). */
  received: CapturedMessage[];
  /**
   * The next message not yet taken for `to` (any recipient when omitted) and `subject` (any when
   * omitted): at once if it has arrived, else when it does.
   */
  nextMessage(filter?: { to?: string; subject?: string | RegExp; timeoutMs?: number }): Promise<CapturedMessage>;
  /** Messages received and not yet taken by nextMessage. */
  pending(): CapturedMessage[];
  close(): Promise<void>;
}

export interface MessageFilter {
  to?: string | undefined;
  /** The exact subject, or a pattern it matches. */
  subject?: string | RegExp | undefined;
}

interface Waiter {
  filter: MessageFilter;
  resolve(message: CapturedMessage): void;
}

function matches(message: CapturedMessage, { to, subject }: MessageFilter): boolean {
  if (to !== undefined && !message.to.includes(to.toLowerCase())) return false;
  if (subject === undefined) return true;
  return typeof subject === 'string' ? message.subject === subject : subject.test(message.subject);
}

/** The http(s) links in a message's text part, in order. */
export function links(message: CapturedMessage): string[] {
  // Trailing sentence punctuation is not part of a link.
  return [...message.text.matchAll(/https?:\/\/[^\s<>"')]+/g)].map((m) => m[0].replace(/[.,:;!?]+$/, ''));
}

export async function startSmtpServer(): Promise<SmtpCapture> {
  const received: CapturedMessage[] = [];
  const queue: CapturedMessage[] = [];
  const waiters: Waiter[] = [];

  function deliver(message: CapturedMessage) {
    received.push(message);
    const index = waiters.findIndex((w) => matches(message, w.filter));
    if (index >= 0) {
      const [waiter] = waiters.splice(index, 1);
      waiter!.resolve(message);
    } else {
      queue.push(message);
    }
  }

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            deliver({
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              raw,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('smtp-server: no port'));
    });
  });

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    pending: () => [...queue],
    nextMessage({ to, subject, timeoutMs = 15_000 } = {}) {
      const filter = { to, subject };
      const index = queue.findIndex((m) => matches(m, filter));
      if (index >= 0) return Promise.resolve(queue.splice(index, 1)[0]!);
      return new Promise<CapturedMessage>((resolve, reject) => {
        // A bound on the wait so a missing mail fails the test with a message instead of hanging it.
        const timer = setTimeout(() => {
          const at = waiters.indexOf(waiter);
          if (at >= 0) waiters.splice(at, 1);
          reject(new Error(`no mail${to ? ` for ${to}` : ''}${subject ? ` about ${String(subject)}` : ''} within ${timeoutMs} ms (received: ${received.map((m) => `${m.to.join(',')}: ${m.subject}`).join('; ') || 'none'})`));
        }, timeoutMs);
        const waiter: Waiter = {
          filter,
          resolve(message) {
            clearTimeout(timer);
            resolve(message);
          },
        };
        waiters.push(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
