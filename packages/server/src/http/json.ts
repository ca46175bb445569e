import type { IncomingMessage, ServerResponse } from 'node:http';

/** A JSON answer that no cache keeps. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** The body as text, or undefined once it passes the cap (the rest is not read). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface JsonPostOptions {
  /** Whether the `Authorization` header is one of the endpoint's keys (`bearerCheck`). */
  readonly authorized: (authorization: string | undefined) => boolean;
  /** Larger bodies are answered 413. */
  readonly maxBodyBytes: number;
}

/**
 * What every keyed `POST` endpoint does before its own work: 405 to another method, 401 to a wrong key
 * (without reading the body), 413 past the size cap, 400 to text that is not JSON. The parsed body, or
 * undefined once the request has been answered.
 */
export async function readJsonPost(
  req: IncomingMessage,
  res: ServerResponse,
  { authorized, maxBodyBytes }: JsonPostOptions,
): Promise<{ body: unknown } | undefined> {
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'POST' });
    return undefined;
  }
  if (!authorized(req.headers.authorization)) {
    // The body is never read: `connection: close` makes Node close the socket once the answer is written,
    // instead of reading (and discarding) whatever the caller still sends to keep the connection alive.
    sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer', connection: 'close' });
    return undefined;
  }
  const tooLarge = () =>
    sendJson(res, 413, { error: 'payload_too_large', max_bytes: maxBodyBytes }, { connection: 'close' });
  if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) {
    tooLarge();
    return undefined;
  }
  const text = await readBody(req, maxBodyBytes);
  if (text === undefined) {
    tooLarge();
    req.destroy();
    return undefined;
  }
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    sendJson(res, 400, { error: 'invalid_json', issues: [{ path: '(root)', message: 'The body is not valid JSON.' }] });
    return undefined;
  }
}
