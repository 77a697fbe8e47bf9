export { appendEvent, listEvents, type EventActor, type EventType, type NewEvent, type StoredEvent } from './events.js';
export { createSecurityLog, type SecurityLog, type SecurityLogPage } from './security-log.js';
