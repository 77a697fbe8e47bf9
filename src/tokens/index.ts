export { createTokensService, type TokensService, type TokenInfo, type AuthenticatedToken } from './service.js';
export { fullScope, isUnrestricted, tokenAllowsPackage, type TokenScope } from './scope.js';
export { looksLikeToken, TOKEN_PATTERN } from './format.js';
