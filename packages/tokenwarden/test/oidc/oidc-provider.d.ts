// oidc-provider ships no types; these are the few parts the harness uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface KoaContext {
    set(name: string, value: string): void;
    method: string;
    path: string;
    body: unknown;
    type: string;
    status: number;
    respond?: boolean;
    req: IncomingMessage;
    res: ServerResponse;
    oidc?: { params?: Record<string, unknown>; client?: { clientId: string } };
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
    on(event: string, listener: (...args: any[]) => void): this;
    proxy: boolean;
  }

  export const errors: { InvalidTarget: new (description?: string) => Error };
}
