export {
  FileTokenStore,
  defaultTokensFile,
  matchesRecord,
  newToken,
  parseToken,
  parseTokenRecord,
  toTokenInfo,
  tokenNameTaken,
} from './token-store.js';
export type { CreateTokenOptions, Grant, TokenInfo, TokenRecord, TokenStore } from './token-store.js';
