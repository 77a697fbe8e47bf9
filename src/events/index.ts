export { appendEvent, listEvents, type EventActor, type EventType, type NewEvent, type StoredEvent } from './events.js';
