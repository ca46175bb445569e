import type { Redis } from 'ioredis';
import type {
  SessionRecord,
  SessionRecords,
  SessionStore,
  StoredSession,
  StreamEntry,
} from '../core/ports/session-store';
import { perKey } from './connect';
import { sessionKey } from './keys';
import type { RedisLink } from './link';
import { decodeRecord } from './session-record';
import { decodeWire } from './wire';

/** Writes the record unless another instance holds the session now; 1 written, 0 not. */
const WRITE_SCRIPT = `
local holder = redis.call('HGET', KEYS[1], 'holder')
if holder and holder ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'data', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** Makes ARGV[1] the holder; returns the previous one ('' for none), nil when the record is gone. */
const CLAIM_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local holder = redis.call('HGET', KEYS[1], 'holder') or ''
redis.call('HSET', KEYS[1], 'holder', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return holder`;

/** Deletes the record only when ARGV[1] still holds it: an instance that lost the session must not end it. */
const REMOVE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Entries read per XRANGE while rebuilding. */
const PAGE = 1000;

type ScriptCall = (key: string, ...args: Array<string | number>) => Promise<unknown>;

/** A script `defineCommand` put on the connection, bound to `client` (the connection or one of its pipelines). */
function scriptOf(client: Redis, name: string): ScriptCall {
  const command = (client as unknown as Record<string, ScriptCall | undefined>)[name];
  if (command === undefined) throw new Error(`ioredis did not define ${name}`);
  return command.bind(client);
}

/** Session records alone: who holds each session (a Redis Cluster, where the live holder hands it over). */
export class RedisSessionRecords implements SessionRecords {
  protected readonly redis: Redis;
  private readonly prefix: string;
  private readonly claimScript: ScriptCall;
  private readonly removeScript: ScriptCall;

  constructor(link: RedisLink) {
    this.redis = link.commands;
    this.prefix = link.prefix;
    this.redis.defineCommand('gatewaySessionWrite', { numberOfKeys: 1, lua: WRITE_SCRIPT });
    this.redis.defineCommand('gatewaySessionClaim', { numberOfKeys: 1, lua: CLAIM_SCRIPT });
    this.redis.defineCommand('gatewaySessionRemove', { numberOfKeys: 1, lua: REMOVE_SCRIPT });
    // Used per write (`write`, on a pipeline or the connection); looked up here only to fail at start if the
    // definition did not take.
    scriptOf(this.redis, 'gatewaySessionWrite');
    this.claimScript = scriptOf(this.redis, 'gatewaySessionClaim');
    this.removeScript = scriptOf(this.redis, 'gatewaySessionRemove');
  }

  key(sessionId: string): string {
    return sessionKey(this.prefix, sessionId);
  }

  async read(sessionId: string): Promise<StoredSession | undefined> {
    const [holder, data] = await this.redis.hmget(this.key(sessionId), 'holder', 'data');
    if (typeof holder !== 'string' || typeof data !== 'string') return undefined;
    const record = decodeRecord(data);
    return record === null ? undefined : { holder, record };
  }

  async write(
    records: ReadonlyArray<{ id: string; record: SessionRecord }>,
    holder: string,
    ttlMs: number,
  ): Promise<boolean[]> {
    if (records.length === 0) return [];
    const replies = await perKey(this.redis, records.length, (client, i) => {
      const { id, record } = records[i] as { id: string; record: SessionRecord };
      return scriptOf(client, 'gatewaySessionWrite')(this.key(id), holder, JSON.stringify(record), ttlMs);
    });
    // A failed command (Redis trouble) counts as written: only a clear "someone else holds it" hands it over.
    return records.map((_, i) => {
      const [error, reply] = replies[i] ?? [null, undefined];
      return error !== null || reply !== 0;
    });
  }

  async claim(sessionId: string, holder: string, ttlMs: number): Promise<{ previous: string | undefined } | undefined> {
    const previous = await this.claimScript(this.key(sessionId), holder, ttlMs);
    if (typeof previous !== 'string') return undefined;
    return { previous: previous === '' ? undefined : previous };
  }

  async remove(sessionId: string, holder: string): Promise<void> {
    await this.removeScript(this.key(sessionId), holder);
  }
}

/** Session records with the events stream the backplane writes: any instance rebuilds a session from it. */
export class RedisSessionStore extends RedisSessionRecords implements SessionStore {
  /** `streamKey`: the backplane's events stream, which rebuilds read. */
  constructor(
    link: RedisLink,
    private readonly streamKey: string,
  ) {
    super(link);
  }

  async firstPosition(): Promise<string | undefined> {
    const first = await this.redis.xrange(this.streamKey, '-', '+', 'COUNT', 1);
    return first[0]?.[0];
  }

  async range(after: string, through: string, maxEntries: number): Promise<StreamEntry[] | undefined> {
    const out: StreamEntry[] = [];
    let from = `(${after}`;
    // Bounded: each page moves `from` forward, and past maxEntries the caller gives up anyway.
    while (out.length <= maxEntries) {
      const page = await this.redis.xrange(this.streamKey, from, through, 'COUNT', PAGE);
      for (const [id, fields] of page) {
        const entry = readEntry(id, fields);
        if (entry !== undefined) out.push(entry);
      }
      const last = page.at(-1);
      if (page.length < PAGE || last === undefined) return out;
      from = `(${last[0]}`;
    }
    return undefined;
  }
}

function readEntry(id: string, fields: string[]): StreamEntry | undefined {
  let channel: string | undefined;
  let text: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'channel') channel = fields[i + 1];
    else if (fields[i] === 'message') text = fields[i + 1];
  }
  if (channel === undefined || text === undefined) return undefined;
  const message = decodeWire(text, channel);
  return message === null ? undefined : { id, channel, message };
}
