export { TokenStore, defaultTokensFile, toTokenInfo } from './token-store.js';
export type { CreateTokenOptions, Grant, TokenInfo, TokenRecord } from './token-store.js';
