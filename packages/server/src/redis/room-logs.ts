import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LoggedDispatch, LogPosition, LogRetention, RoomLogRead, RoomLogs } from '../core/ports/room-logs';
import { roomHeadKey, roomLogKey } from './keys';
import { READ_ROOM_LOG_LUA } from './publish-script';
import { decodeWire } from './wire';

type ReadRoomLog = (
  head: string,
  log: string,
  epoch: string,
  after: string,
  limit: number,
  headTtlMs: number,
) => Promise<[string, string, string | false | null, Array<[string, string[]]>]>;

/** A new epoch: random, so two instances creating a room's log at once agree on whichever wins `HSETNX`. */
export const newEpoch = (): string => randomBytes(8).toString('hex');

/** How long a room's head outlives its last dispatch at least: its epoch must outlast any log it numbers. */
export const MIN_HEAD_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The read side of the room logs the Redis backplane writes as it publishes: each room's head (epoch, last
 * offset) and recent dispatches in keys of its own hash slot (`{prefix}{room:id}:…`), read in one script so
 * the position and the entries agree. Entries older than the room's age bound are left out here (the log
 * itself expires that long after its last entry).
 */
export class RedisRoomLogs implements RoomLogs {
  private readonly readLog: ReadRoomLog;

  constructor(
    commands: Redis,
    private readonly prefix: string,
    private readonly retentionFor: (roomId: string) => LogRetention,
    private readonly now: () => number,
  ) {
    commands.defineCommand('gatewayReadRoomLog', { numberOfKeys: 2, lua: READ_ROOM_LOG_LUA });
    const scripts = commands as unknown as { gatewayReadRoomLog: ReadRoomLog };
    this.readLog = scripts.gatewayReadRoomLog.bind(commands);
  }

  /** The head hash's lifetime for a room: it outlives the room's log. */
  headTtlMs(roomId: string): number {
    return Math.max(MIN_HEAD_TTL_MS, this.retentionFor(roomId).maxAgeMs);
  }

  async position(roomId: string): Promise<LogPosition> {
    const [epoch, head] = await this.readLog(
      roomHeadKey(this.prefix, roomId),
      roomLogKey(this.prefix, roomId),
      newEpoch(),
      '-1',
      0,
      this.headTtlMs(roomId),
    );
    return { epoch, offset: Number(head) };
  }

  async read(roomId: string, since: LogPosition, limit: number): Promise<RoomLogRead> {
    const [epoch, headText, firstId, newestFirst] = await this.readLog(
      roomHeadKey(this.prefix, roomId),
      roomLogKey(this.prefix, roomId),
      newEpoch(),
      String(since.offset),
      limit,
      this.headTtlMs(roomId),
    );
    const head = Number(headText);
    // Another epoch's offsets say nothing about this one's: its entries are not asked for at all.
    const entries: LoggedDispatch[] = [];
    if (epoch === since.epoch) {
      // Newest first, up to the first entry past the age bound: what is replayed has no hole inside it.
      const oldestAllowed = this.now() - this.retentionFor(roomId).maxAgeMs;
      for (const raw of newestFirst) {
        const entry = readEntry(raw, oldestAllowed);
        if (entry === undefined) break;
        entries.push(entry);
      }
      entries.reverse();
    }
    const first = typeof firstId === 'string' ? offsetOf(firstId) : head + 1;
    return { epoch, head, first, entries };
  }
}

function offsetOf(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

function readEntry([id, fields]: [string, string[]], oldestAllowed: number): LoggedDispatch | undefined {
  let at = 0;
  let text: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 't') at = Number(fields[i + 1]);
    else if (fields[i] === 'm') text = fields[i + 1];
  }
  if (text === undefined || at < oldestAllowed) return undefined;
  const message = decodeWire(text);
  return message === null ? undefined : { offset: offsetOf(id), message };
}
