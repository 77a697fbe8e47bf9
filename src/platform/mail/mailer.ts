// Outgoing mail. With an SMTP URL, messages go through nodemailer's SMTP transport; without one
// (a single-machine install), nodemailer's stream transport builds the same RFC 822 bytes and
// they are written as `.eml` files under `<dataDir>/mail/`, where an administrator can read
// them. Either way a log line names the recipient and subject, never the body: bodies carry
// single-use links that are as good as a password for as long as they live.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Logger } from '../log.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export interface MailConfig {
  /** smtp:// or smtps://; unset writes `.eml` files. */
  smtpUrl?: string | undefined;
  mailFrom: string;
  dataDir: string;
}

// Headers come from our own templates, but a subject built from user data (a package name)
// must never be able to add header lines.
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 200);
}

export function createMailer(config: MailConfig, log?: Logger): Mailer {
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl, { from: config.mailFrom });
    return {
      async send(message) {
        await transport.sendMail({ to: message.to, subject: oneLine(message.subject), text: message.text, ...(message.html ? { html: message.html } : {}) });
        log?.info({ 'mail.to': message.to, 'mail.subject': oneLine(message.subject), 'mail.transport': 'smtp' }, 'mail sent');
      },
      close() {
        transport.close();
      },
    };
  }

  const folder = join(config.dataDir, 'mail');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from: config.mailFrom });
  return {
    async send(message) {
      const info = await transport.sendMail({ to: message.to, subject: oneLine(message.subject), text: message.text, ...(message.html ? { html: message.html } : {}) });
      await mkdir(folder, { recursive: true, mode: 0o700 });
      // Sortable by time, unique without coordination between servers sharing the folder.
      const file = join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(6).toString('hex')}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600, flag: 'wx' });
      log?.info({ 'mail.to': message.to, 'mail.subject': oneLine(message.subject), 'mail.file': file }, 'mail written');
    },
    close() {
      transport.close();
    },
  };
}
