export { createMailer, type Mailer, type MailMessage, type MailConfig } from './mailer.js';
