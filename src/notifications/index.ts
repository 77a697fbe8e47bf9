export { createNotifier, NOTIFICATION_CURSOR, type Notifier, type NotifierDeps, type ProcessOptions } from './outbox.js';
export { noticeFor, mailText, NOTICES, type Notice, type Audience } from './messages.js';
