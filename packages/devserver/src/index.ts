export { startDevServer, type DevServer, type DevServerOptions } from './server';
export type { DevServerControl } from './inProcessControl';
export { DEFAULT_FAULTS, type Faults } from './faults';
export { builtInTemplates, DEFAULT_TEMPLATE, type TokenTemplate } from './templates';
export type { StatsSnapshot, CountedEndpoint } from './stats';
export type { SessionView } from './routes/control';
export type { CorsOrigins } from './cors';
export { isLoopbackAddress } from './loopback';
export { CLIENT_COOKIE } from './routes/client';
