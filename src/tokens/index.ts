export { createTokensService, type TokensService, type TokenInfo, type AuthenticatedToken } from './service.js';
export { fullScope, tokenAllowsPackage, type TokenScope } from './scope.js';
export { looksLikeToken, TOKEN_PATTERN } from './format.js';
