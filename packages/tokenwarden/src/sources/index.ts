export { httpTokenSource, type HttpTokenSourceOptions } from './httpTokenSource';
export { memoryStore, oauth2RefreshSource, type OAuth2RefreshSourceOptions, type RefreshTokenStore } from './oauth2RefreshSource';
