import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body the server reads; anything bigger is refused before it is buffered. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * An answer the server gives on purpose. Thrown anywhere below the router and turned into a JSON
 * body `{ error, message }` in one place, so no handler can forget the shape or crash the server.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  /** Extra members merged into the JSON body (OAuth errors add `error_description`). */
  readonly extra: Record<string, unknown>;

  constructor(status: number, code: string, message: string, options?: { headers?: Record<string, string>; extra?: Record<string, unknown> }) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = options?.headers ?? {};
    this.extra = options?.extra ?? {};
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  // Tokens must never sit in a shared cache (RFC 6749 section 5.1 asks the same of /oauth/token).
  if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-store');
  res.end(payload);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: error.code, message: error.message, ...error.extra }, error.headers);
}

/**
 * Reads the whole body, refusing it with 413 as soon as it passes `limit` so a huge upload is never
 * buffered. The connection is marked for closing then: the unread rest would otherwise be parsed
 * as the next request.
 */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'payload_too_large', `Request body exceeds ${limit} bytes`, { headers: { Connection: 'close' } });
}

/** An empty body is `undefined` (every JSON body here is optional); anything else must be JSON. */
export function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', 'Request body is not valid JSON');
  }
}

/** Body as a plain object, or a 400 naming what was expected. Missing body = `{}`. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  const value = parseJson(body);
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'invalid_request', 'Request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

export function readCookies(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  const header = req.headers.cookie;
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    // First wins, as in browsers: the most specific path is sent first.
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/** Optional string member of a parsed body; a 400 naming the field when it has another type. */
export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new HttpError(400, 'invalid_request', `"${field}" must be a non-empty string`);
  }
  return value;
}

/** Like `optionalString`, but `null` is a meaningful value (e.g. "personal workspace, no organization"). */
export function optionalNullableString(body: Record<string, unknown>, field: string): string | null | undefined {
  if (body[field] === null) return null;
  return optionalString(body, field);
}

/**
 * Sets `Date` from our clock rather than Node's (which would ignore the injected clock and the
 * clock-offset fault). Clients read it as the server time, so it is stamped right before answering.
 */
export function stampDate(res: ServerResponse, ms: number): void {
  if (!res.headersSent) res.setHeader('Date', new Date(ms).toUTCString());
}
