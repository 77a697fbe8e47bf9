export { createHttpServer, renderJsonError, type ErrorRenderer, type ErrorBody, type HttpOptions } from './server.js';
export { checkDepth } from './json-body.js';
export { sendDocument, sendBytes } from './send.js';
export { negotiate } from './accept.js';
