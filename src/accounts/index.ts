export { createAccountsService, checkNewPassword, type AccountsService, type User } from './service.js';
export { MIN_PASSWORD_LENGTH } from './passwords.js';
export { checkUserName } from './names.js';
export { ensureAdmin, ADMIN_NAME } from './bootstrap.js';
