import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunningServer, type ServerOptions, startServer } from '../src/index';
import { ManualClock } from './helpers/manual-clock';
import type { Frame } from './helpers/ws-client';

// The "Bad input" table of PROTOCOL.md drives this test row by row, so the document and the server
// cannot drift apart: an example this file does not understand fails, it is never skipped.

const PROTOCOL_MD = new URL('../../protocol/PROTOCOL.md', import.meta.url);
const SECRET = 'bad-input-table-secret-of-32-bytes!';
const ALLOWED_ORIGIN = 'https://app.example';
/** Small so the slow-reader row needs little traffic; the row names the option, not a value. */
const MAX_BUFFERED_BYTES = 64 * 1024;
/** Small so the connections-per-user row opens few sockets; hello announces it and the marker reads hello. */
const MAX_CONNECTIONS_PER_USER = 3;

interface Row {
  input: string;
  examples: string[];
  answer: string;
}

/** Cells of one markdown table line; `\|` is a pipe inside a cell, not a border. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replaceAll('\\|', '|'));
}

function backticked(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
}

function readBadInputTable(markdown: string): Row[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^##+ Bad input\s*$/.test(line));
  if (start < 0) throw new Error('PROTOCOL.md has no "Bad input" section');
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^#{1,2} /.test(line));
  const section = end < 0 ? rest : rest.slice(0, end);
  const first = section.findIndex((line) => line.startsWith('|'));
  if (first < 0) throw new Error('the "Bad input" section has no table');
  const tableEnd = section.slice(first).findIndex((line) => !line.startsWith('|'));
  const table = section.slice(first, tableEnd < 0 ? undefined : first + tableEnd);
  const [header, separator, ...body] = table;
  if (header === undefined || separator === undefined) throw new Error('the "Bad input" table is empty');
  expect(cells(header)).toEqual(['input', 'example', 'answer', 'notes']);
  return body.map((line) => {
    const [input = '', example = '', answer = ''] = cells(line);
    const answers = backticked(answer);
    if (answers.length !== 1) throw new Error(`row "${input}" needs exactly one answer in backticks`);
    return { input, examples: backticked(example), answer: answers[0] ?? '' };
  });
}

type Answer = { kind: 'error'; code: string; field?: string } | { kind: 'close'; code: number; goodbye: boolean };

function parseAnswer(text: string): Answer {
  const error = /^error ([a-z_]+)(?: with ([a-z_]+))?$/.exec(text);
  if (error?.[1] !== undefined) return { kind: 'error', code: error[1], ...(error[2] ? { field: error[2] } : {}) };
  const close = /^(goodbye \+ )?close (\d{4})$/.exec(text);
  if (close?.[2] !== undefined) return { kind: 'close', code: Number(close[2]), goodbye: close[1] !== undefined };
  throw new Error(`answer not understood: "${text}"`);
}

interface Limits {
  max_frame_bytes: number;
  max_json_depth: number;
  identify_timeout_ms: number;
  max_connections_per_user: number;
}

interface Outgoing {
  data: string | Buffer;
  binary: boolean;
  /** The ref the answer must echo: only a frame the server could parse has a usable one. */
  ref?: string;
}

interface Tokens {
  expired: string;
  otherKey: string;
  algNone: string;
}

/** A `chat.send` of exactly `bytes` bytes (ASCII), without a ref: an unparsed frame has none to echo. */
function paddedFrame(bytes: number): string {
  const base = JSON.stringify({ type: 'chat.send', payload: { room_id: 'r', client_msg_id: 'c', content: '' } });
  return base.replace('"content":""', `"content":"${'x'.repeat(Math.max(0, bytes - base.length))}"`);
}

/** A heartbeat whose brackets nest `depth` deep, counting the outermost object as 1. */
function nestedFrame(depth: number): string {
  const arrays = Math.max(0, depth - 2);
  return `{"type":"heartbeat","payload":{"deep":${'['.repeat(arrays)}${']'.repeat(arrays)}}}`;
}

function literal(text: string): Outgoing {
  let ref: string | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'ref' in parsed && typeof parsed.ref === 'string') {
      ref = parsed.ref;
    }
  } catch {
    // Not JSON: nothing to echo.
  }
  return { data: text, binary: false, ...(ref === undefined ? {} : { ref }) };
}

/** The frames an example stands for; throws for a marker this test does not know. */
function framesOf(example: string, limits: Limits, tokens: Tokens): Outgoing[] {
  const repeat = /^<(\d+) × (.+)>$/.exec(example);
  if (repeat?.[1] !== undefined && repeat[2] !== undefined) {
    const once = framesOf(repeat[2], limits, tokens);
    return Array.from({ length: Number(repeat[1]) }, () => once).flat();
  }
  const invalidText = /^<text frame of bytes ((?:[0-9a-f]{2} ?)+)>$/.exec(example);
  if (invalidText?.[1] !== undefined) {
    return [{ data: Buffer.from(invalidText[1].replaceAll(' ', ''), 'hex'), binary: false }];
  }
  const binary = /^<binary (\d+) bytes>$/.exec(example);
  if (binary?.[1] !== undefined) return [{ data: Buffer.alloc(Number(binary[1]), 0x7b), binary: true }];
  if (example === '<text of max_frame_bytes+1>') {
    return [{ data: paddedFrame(limits.max_frame_bytes + 1), binary: false }];
  }
  if (example === '<text of 2 × max_frame_bytes+1>') {
    return [{ data: paddedFrame(2 * limits.max_frame_bytes + 1), binary: false }];
  }
  if (example === '<depth max_json_depth+1>') return [{ data: nestedFrame(limits.max_json_depth + 1), binary: false }];
  const identifyWith: Record<string, string> = {
    '<identify with an expired token>': tokens.expired,
    '<identify with a token signed by another key>': tokens.otherKey,
    '<identify with an alg none token>': tokens.algNone,
  };
  const token = identifyWith[example];
  if (token !== undefined) return [literal(JSON.stringify({ type: 'identify', payload: { token } }))];
  if (example.startsWith('<')) throw new Error(`example not understood: ${example}`);
  return [literal(example)];
}

/** A raw connection that records frames and its close, with event-driven waits. */
class Probe {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  private socket: Socket | undefined;
  private readonly wakers = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('upgrade', (response) => {
      this.socket = response.socket as Socket;
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.frames.push(JSON.parse(data.toString()) as Frame);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    ws.on('error', () => this.wake());
  }

  static open(url: string, origin?: string): Promise<Probe> {
    const probe = new Probe(new WebSocket(url, origin === undefined ? {} : { origin }));
    return new Promise((resolve, reject) => {
      probe.ws.once('open', () => resolve(probe));
      probe.ws.once('error', reject);
    });
  }

  send(frame: Outgoing): void {
    this.ws.send(frame.data, { binary: frame.binary });
  }

  sendJson(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Stops reading the socket, so the server's writes pile up in its outbound buffer. */
  pause(): void {
    this.socket?.pause();
  }

  resume(): void {
    this.socket?.resume();
  }

  /** Resolves once `check` holds (re-checked on every frame and on close), rejects after `timeoutMs`. */
  until<T>(check: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wakers.delete(wake);
        const got = this.frames.map((frame) => `${frame.type}${frame.payload?.code ? `:${frame.payload.code}` : ''}`);
        reject(new Error(`no ${what} within ${timeoutMs} ms; got ${got.join(', ')}; closed ${this.closed?.code}`));
      }, timeoutMs);
      const wake = (): boolean => {
        const value = check();
        if (value === undefined) return false;
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve(value);
        return true;
      };
      if (!wake()) this.wakers.add(wake);
    });
  }

  next(type: string, from = 0): Promise<Frame> {
    return this.until(() => this.frames.slice(from).find((frame) => frame.type === type), `"${type}" frame`);
  }

  private wake(): void {
    for (const wake of [...this.wakers]) wake();
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: ServerOptions): Promise<RunningServer> {
  const server = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', ...options });
  cleanups.push(() => server.close());
  return server;
}

async function probe(server: RunningServer, origin?: string): Promise<Probe> {
  const opened = await Probe.open(server.wsUrl, origin);
  cleanups.push(() => opened.ws.terminate());
  return opened;
}

async function limitsOf(client: Probe): Promise<Limits> {
  return (await client.next('hello')).payload.limits as Limits;
}

async function identify(client: Probe, userId = 'u'): Promise<void> {
  const from = client.frames.length;
  client.sendJson({ type: 'identify', payload: { user_id: userId, subscriptions: ['r'] } });
  await client.next('ready', from);
}

async function makeTokens(clock: ManualClock): Promise<Tokens> {
  const now = Math.floor(clock.now() / 1000);
  const secret = new TextEncoder().encode(SECRET);
  const expired = await new SignJWT({ sub: 'u' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(now - 120)
    .setExpirationTime(now - 60)
    .sign(secret);
  const otherKey = await new SignJWT({ sub: 'u' })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode('another-key-the-server-never-saw!!'));
  const algNone = new UnsecuredJWT({ sub: 'u' }).encode();
  return { expired, otherKey, algNone };
}

/** Runs one example against a fresh server; returns the probe whose answer counts and the frames it sent. */
async function drive(example: string): Promise<{ client: Probe; from: number; sent: Outgoing[] }> {
  const clock = new ManualClock();
  const tokens = await makeTokens(clock);
  const base: ServerOptions = {
    clock,
    maxBufferedBytes: MAX_BUFFERED_BYTES,
    maxConnectionsPerUser: MAX_CONNECTIONS_PER_USER,
    allowedOrigins: [ALLOWED_ORIGIN],
  };
  let rest = example;
  let context: 'ready' | 'before_ready' | 'jwt' = 'ready';
  const prefix = /^<(before ready|jwt)> (.+)$/.exec(example);
  if (prefix?.[1] !== undefined && prefix[2] !== undefined) {
    context = prefix[1] === 'jwt' ? 'jwt' : 'before_ready';
    rest = prefix[2];
  }

  const origin = /^<origin (\S+)>$/.exec(rest);
  if (origin?.[1] !== undefined) {
    const server = await serve(base);
    return { client: await probe(server, origin[1]), from: 0, sent: [] };
  }

  const server = await serve(context === 'jwt' ? { ...base, jwtSecret: SECRET } : base);
  const client = await probe(server);
  const limits = await limitsOf(client);

  if (rest === '<identify on max_connections_per_user+1 connections>') {
    await identify(client);
    for (let i = 1; i < limits.max_connections_per_user; i++) await identify(await probe(server));
    const last = await probe(server);
    await limitsOf(last);
    const from = last.frames.length;
    last.sendJson({ type: 'identify', payload: { user_id: 'u' } });
    return { client: last, from, sent: [] };
  }
  if (context === 'ready') await identify(client);
  const from = client.frames.length;

  if (rest === '<wait identify_timeout_ms>') {
    if (context === 'ready') throw new Error('waiting for the identify deadline needs <before ready>');
    clock.advance(limits.identify_timeout_ms);
    return { client, from, sent: [] };
  }
  if (rest === '<stop reading past max_buffered_bytes>') {
    await stallReader(server, client);
    return { client, from, sent: [] };
  }

  const sent = framesOf(rest, limits, tokens);
  for (const frame of sent) client.send(frame);
  return { client, from, sent };
}

/** Pauses the reader and broadcasts until the server gives up on it (or far past any socket buffer). */
async function stallReader(server: RunningServer, client: Probe): Promise<void> {
  client.pause();
  const chunk = 'x'.repeat(8000);
  const before = server.gateway.stats().connections;
  for (let i = 0; i < 8000 && server.gateway.stats().connections === before; i++) {
    server.gateway.broadcast('system', { message: chunk });
    // Let the socket flush what the kernel takes, as a real server between events would.
    if (i % 50 === 49) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  client.resume();
}

async function expectAnswer(run: { client: Probe; from: number; sent: Outgoing[] }, answer: Answer): Promise<void> {
  const { client, from, sent } = run;
  const after = () => client.frames.slice(from);
  if (answer.kind === 'close') {
    const closed = await client.until(() => client.closed, `close ${answer.code}`, 10_000);
    expect(closed.code).toBe(answer.code);
    const goodbyes = after().filter((frame) => frame.type === 'goodbye');
    if (answer.goodbye) expect(goodbyes.map((frame) => frame.payload.code)).toEqual([answer.code]);
    else expect(goodbyes).toEqual([]);
    return;
  }
  await client.until(
    () => (after().some((f) => f.type === 'error' && f.payload?.code === answer.code) ? true : undefined),
    `error ${answer.code}`,
  );
  // Still usable: a heartbeat gets its ack, and every reply to the example has arrived before it.
  client.sendJson({ type: 'heartbeat', payload: {}, ref: 'still-alive' });
  await client.until(
    () => after().find((f) => f.type === 'heartbeat_ack' && f.ref === 'still-alive'),
    'heartbeat_ack after the error',
  );
  expect(client.closed).toBeUndefined();
  const errors = after().filter((frame) => frame.type === 'error');
  const last = errors.at(-1);
  expect(last?.payload.code).toBe(answer.code);
  expect(last?.ref).toBe(sent.at(-1)?.ref);
  expect(last?.seq).toBeUndefined();
  if (answer.field !== undefined) expect(last?.payload[answer.field]).toEqual(expect.any(Number));
  if (sent.length === 1) expect(errors).toHaveLength(1);
}

const rows = readBadInputTable(readFileSync(PROTOCOL_MD, 'utf8'));
const examples = rows.flatMap((row) => {
  if (row.examples.length === 0) return [{ row, example: '(no example)' }];
  return row.examples.map((example) => ({ row, example }));
});

describe('PROTOCOL.md "Bad input" table', () => {
  it('lists every answer the protocol promises', () => {
    const answers = new Set(rows.map((row) => row.answer));
    for (const code of [
      'invalid_json',
      'invalid_frame',
      'unknown_type',
      'binary_unsupported',
      'frame_too_large',
      'frame_too_deep',
      'not_identified',
      'already_identified',
      'rate_limited with retry_after_ms',
    ]) {
      expect(answers).toContain(`error ${code}`);
    }
    expect(answers).toContain('close 1009');
    expect(answers).toContain('close 1007');
    for (const code of [4400, 1009, 4004, 4101, 4401, 4200, 4403, 4429, 4003]) {
      expect(answers).toContain(`goodbye + close ${code}`);
    }
  });

  it.each(examples)('$row.input: `$example` → $row.answer', async ({ row, example }) => {
    if (row.examples.length === 0) throw new Error(`row "${row.input}" has no example in backticks`);
    const answer = parseAnswer(row.answer);
    await expectAnswer(await drive(example), answer);
  });
});
