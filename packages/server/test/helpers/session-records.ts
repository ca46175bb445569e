import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import type { Anchor, SessionRecord } from '../../src/core/ports/session-store';
import { decodeRecord } from '../../src/redis/session-record';
import { connectClient, type Frame, type TestClient } from './ws-client';

/** A session record as its holder last wrote it to `{prefix}session:{id}`, with that holder. */
export interface StoredRecord {
  readonly holder: string;
  readonly record: SessionRecord;
}

/** Reads the record through a test's own Redis connection; undefined while there is none (or it is malformed). */
export async function readSessionRecord(
  redis: Redis,
  prefix: string,
  sessionId: string,
): Promise<StoredRecord | undefined> {
  const [holder, data] = await redis.hmget(`${prefix}session:${sessionId}`, 'holder', 'data');
  if (typeof holder !== 'string' || typeof data !== 'string') return undefined;
  const record = decodeRecord(data);
  return record === null ? undefined : { holder, record };
}

/** The anchors the record holds now, oldest first (none while there is no record). */
export async function storedAnchors(redis: Redis, prefix: string, sessionId: string): Promise<readonly Anchor[]> {
  return (await readSessionRecord(redis, prefix, sessionId))?.record.anchors ?? [];
}

/**
 * Polls (bounded) until the stored record satisfies `check`, and resolves with it; fails with the last record
 * seen when it never does.
 */
export async function recordWhere(
  redis: Redis,
  prefix: string,
  sessionId: string,
  check: (stored: StoredRecord) => boolean,
  timeoutMs = 5000,
): Promise<StoredRecord> {
  let last: StoredRecord | undefined;
  await expect
    .poll(
      async () => {
        last = await readSessionRecord(redis, prefix, sessionId);
        return last !== undefined && check(last);
      },
      { timeout: timeoutMs, interval: 20 },
    )
    .toBe(true);
  if (last === undefined) throw new Error('no session record');
  return last;
}

/** The frames that carry a seq (dispatches), in arrival order. */
export function dispatches(client: TestClient): Frame[] {
  return client.frames.filter((frame) => frame.seq !== undefined);
}

/** What identifies a dispatch for an exactly-once comparison: its seq, type and payload. */
export function dispatchKeys(frames: readonly Frame[]): string[] {
  return frames.map((frame) => `${frame.seq} ${frame.type} ${JSON.stringify(frame.payload)}`);
}

let refs = 0;

/** Connects a raw client to `wsUrl` (a gateway process), identifies it in dev mode and subscribes to `rooms`. */
export async function joinAt(
  wsUrl: string,
  userId: string,
  rooms: readonly string[],
): Promise<{ client: TestClient; sessionId: string }> {
  const client = await connectClient(wsUrl);
  await client.next('hello', 5000);
  client.send({ type: 'identify', payload: { user_id: userId, display_name: userId } });
  const ready = await client.next('ready', 5000);
  const sessionId: unknown = ready.payload?.session_id;
  if (typeof sessionId !== 'string') throw new Error('ready without a session_id');
  if (rooms.length > 0) {
    const ref = `join-${++refs}`;
    client.send({ type: 'subscribe', payload: { room_ids: rooms }, ref });
    const reply = await client.reply(ref, 5000);
    if (reply.type !== 'subscribed') throw new Error(`subscribe answered ${reply.type}`);
  }
  return { client, sessionId };
}

/** Opens a raw client to `wsUrl` and sends `resume`; resolves with the connection and the server's answer. */
export async function resumeAt(
  wsUrl: string,
  payload: { session_id: string; seq: number },
): Promise<{ client: TestClient; answer: Frame }> {
  const client = await connectClient(wsUrl);
  await client.next('hello', 5000);
  client.send({ type: 'resume', ref: 'resume', payload });
  const answer = await client.reply('resume', 10_000);
  return { client, answer };
}
