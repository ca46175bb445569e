import { randomUUID } from 'node:crypto';
import type { BackplaneMessage } from '../core/ports/backplane';
import type {
  LoggedAt,
  LoggedDispatch,
  LogPosition,
  LogRetention,
  RoomLogBudget,
  RoomLogRead,
  RoomLogs,
  RoomLogUsage,
} from '../core/ports/room-logs';

/** What one kept dispatch costs beyond its body: the entry, its slot and the message object. */
const ENTRY_OVERHEAD = 96;

export interface InMemoryRoomLogsOptions extends RoomLogBudget {
  /** Each room's retention (length, age, bytes). */
  readonly retentionFor: (roomId: string) => LogRetention;
  /** Epoch ms, for the age bound. */
  readonly now: () => number;
}

interface Kept {
  readonly offset: number;
  readonly message: BackplaneMessage;
  readonly at: number;
  readonly weight: number;
}

interface Log {
  readonly epoch: string;
  readonly retention: LogRetention;
  head: number;
  /** Kept entries are `entries[start…]`: dropping the oldest moves `start`, and the array is compacted now and then. */
  entries: (Kept | undefined)[];
  start: number;
  bytes: number;
}

/**
 * The room logs of a process (the in-memory backplane's): per room an epoch, the last offset and the recent
 * dispatches within the room's retention and the process's budget. A log the budget lets go takes its epoch
 * with it, so the room's next dispatch starts a new one and a client holding the old epoch is told it changed:
 * never a silent gap. Epochs name this process's run too, so a restart changes every room's.
 */
export class InMemoryRoomLogs implements RoomLogs {
  private readonly logs = new Map<string, Log>();
  private readonly run = randomUUID().slice(0, 8);
  private epochs = 0;
  private bytes = 0;
  private evicted = 0;
  private readonly maxRooms: number;
  private readonly maxBytes: number;

  constructor(private readonly options: InMemoryRoomLogsOptions) {
    this.maxRooms = options.maxRooms ?? 10_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  /** Numbers a room dispatch and keeps it; what the backplane calls as it publishes, in publish order. */
  append(roomId: string, message: BackplaneMessage): LoggedAt {
    const log = this.touch(roomId) ?? this.open(roomId);
    log.head += 1;
    const weight = message.body.length + ENTRY_OVERHEAD;
    log.entries.push({ offset: log.head, message, at: this.options.now(), weight });
    log.bytes += weight;
    this.bytes += weight;
    this.trim(log);
    this.enforce(roomId);
    return { roomId, epoch: log.epoch, offset: log.head };
  }

  position(roomId: string): LogPosition {
    const log = this.logs.get(roomId) ?? this.open(roomId);
    this.enforce(roomId);
    return { epoch: log.epoch, offset: log.head };
  }

  read(roomId: string, since: LogPosition, limit: number): RoomLogRead {
    const log = this.logs.get(roomId) ?? this.open(roomId);
    this.enforce(roomId);
    this.trim(log);
    const first = log.head - (log.entries.length - log.start) + 1;
    if (since.epoch !== log.epoch || since.offset >= log.head) {
      return { epoch: log.epoch, head: log.head, first, entries: [] };
    }
    const from = Math.max(since.offset + 1, first, log.head - limit + 1);
    const entries: LoggedDispatch[] = [];
    for (let i = log.start + (from - first); i < log.entries.length; i++) {
      const kept = log.entries[i];
      if (kept !== undefined) entries.push({ offset: kept.offset, message: kept.message });
    }
    return { epoch: log.epoch, head: log.head, first, entries };
  }

  usage(): RoomLogUsage {
    return {
      rooms: this.logs.size,
      maxRooms: this.maxRooms,
      bytes: this.bytes,
      maxBytes: this.maxBytes,
      evicted: this.evicted,
    };
  }

  private open(roomId: string): Log {
    this.epochs += 1;
    const log: Log = {
      epoch: `${this.run}-${this.epochs.toString(36)}`,
      retention: this.options.retentionFor(roomId),
      head: 0,
      entries: [],
      start: 0,
      bytes: 0,
    };
    this.logs.set(roomId, log);
    return log;
  }

  /** The room's log, moved to the most recently written end (Map order is the eviction order). */
  private touch(roomId: string): Log | undefined {
    const log = this.logs.get(roomId);
    if (log === undefined) return undefined;
    this.logs.delete(roomId);
    this.logs.set(roomId, log);
    return log;
  }

  /** Lets the oldest entries go past the room's retention; the newest entry stays whatever its size. */
  private trim(log: Log): void {
    const { maxEntries, maxAgeMs, maxBytes } = log.retention;
    const oldestAllowed = this.options.now() - maxAgeMs;
    while (log.start < log.entries.length) {
      const oldest = log.entries[log.start];
      if (oldest === undefined) break;
      const count = log.entries.length - log.start;
      const over = count > maxEntries || (log.bytes > maxBytes && count > 1) || oldest.at < oldestAllowed;
      if (!over) break;
      this.dropOldest(log, oldest);
    }
    if (log.start > 64 && log.start * 2 > log.entries.length) {
      log.entries = log.entries.slice(log.start);
      log.start = 0;
    }
  }

  private dropOldest(log: Log, oldest: Kept): void {
    log.entries[log.start] = undefined;
    log.start += 1;
    log.bytes -= oldest.weight;
    this.bytes -= oldest.weight;
  }

  /** Lets the least recently written rooms' logs go until within budget; `current` goes last. */
  private enforce(current: string): void {
    for (const [roomId, log] of this.logs) {
      if (this.logs.size <= this.maxRooms && this.bytes <= this.maxBytes) break;
      if (roomId === current) {
        while (this.bytes > this.maxBytes && log.entries.length - log.start > 1) {
          const oldest = log.entries[log.start];
          if (oldest === undefined) break;
          this.dropOldest(log, oldest);
        }
        if (this.logs.size <= this.maxRooms) break;
        continue;
      }
      this.logs.delete(roomId);
      this.bytes -= log.bytes;
      this.evicted += 1;
    }
  }
}
