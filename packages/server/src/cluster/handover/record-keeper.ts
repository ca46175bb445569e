import type { SessionHooks } from '../../core/hooks';
import type { Clock, TimerHandle } from '../../core/ports/clock';
import type { Logger } from '../../core/ports/logger';
import type { SessionRecord, SessionRecords } from '../../core/ports/session-store';
import type { Session } from '../../core/session';
import { endOfTurn, takeDue, type WriteMark } from '../record-writes';

interface Kept extends WriteMark {
  readonly session: Session;
  /** Taken over from another instance: the record names that one until the claim is through. */
  claiming: boolean;
}

export interface RecordKeeperOptions {
  readonly serverId: string;
  readonly records: SessionRecords;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Records live this long past their last write; each is rewritten every third of it while its session lives. */
  readonly ttlMs: number;
}

/**
 * Keeps a record naming this instance for every session it holds, so a resume reaching another instance
 * knows whom to ask for a handover. The record carries who the session is, not where it stands: the holder
 * hands that over itself. Written when a session starts, rewritten before it could expire, removed when the
 * session ends (not when it moves: the taker claims it).
 */
export class RecordKeeper implements SessionHooks {
  private readonly kept = new Map<string, Kept>();
  private readonly incoming = new Set<string>();
  private timer: TimerHandle | undefined;
  private readonly flushSoon = endOfTurn(() => this.flush());
  private closed = false;

  constructor(private readonly options: RecordKeeperOptions) {
    this.schedule();
  }

  attached(session: Session): void {
    if (this.closed || this.incoming.has(session.id) || this.kept.has(session.id)) return;
    this.kept.set(session.id, { session, writtenAt: 0, dirty: true, claiming: false });
    this.flushSoon();
  }

  ended(session: Session): void {
    if (!this.forget(session)) return;
    this.options.records.remove(session.id, this.options.serverId).catch((error: unknown) => {
      this.options.logger.warn({ err: error, session_id: session.id }, 'could not remove a session record');
    });
  }

  movedAway(session: Session): void {
    this.forget(session);
  }

  /** Being taken over here: no record until it is (the holder's still names the holder). */
  taking(session: Session): void {
    this.incoming.add(session.id);
  }

  /** The handover fell through: nothing to keep. */
  dropTaking(session: Session): void {
    this.incoming.delete(session.id);
  }

  /** Taken over: the record becomes this instance's. */
  took(session: Session): void {
    const { records, serverId, ttlMs, logger } = this.options;
    this.incoming.delete(session.id);
    const kept: Kept = { session, writtenAt: 0, dirty: true, claiming: true };
    this.kept.set(session.id, kept);
    records
      .claim(session.id, serverId, ttlMs)
      .catch((error: unknown) =>
        logger.warn({ err: error, session_id: session.id }, 'could not claim a session record'),
      )
      .finally(() => {
        kept.claiming = false;
        this.flushSoon();
      });
  }

  /** No more writes (the gateway stops; its sessions end and their records go with them). */
  stop(): void {
    this.closed = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private forget(session: Session): boolean {
    this.incoming.delete(session.id);
    return this.kept.delete(session.id);
  }

  private record(session: Session): SessionRecord {
    return {
      v: 1,
      user: session.user,
      device_id: session.deviceId,
      device_type: session.deviceType,
      channels: {},
      anchors: [],
    };
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
      this.schedule();
    }, this.options.ttlMs / 6);
  }

  /** One write for every record new, or not rewritten for a third of its TTL. */
  private flush(): void {
    if (this.closed) return;
    const { clock, records, serverId, ttlMs, logger } = this.options;
    const now = clock.now();
    const due: Array<{ id: string; record: SessionRecord }> = [];
    const marks: Kept[] = [];
    for (const [id, kept] of this.kept) {
      if (kept.claiming || !takeDue(kept, now, ttlMs)) continue;
      due.push({ id, record: this.record(kept.session) });
      marks.push(kept);
    }
    if (due.length === 0) return;
    records.write(due, serverId, ttlMs).catch((error: unknown) => {
      for (const kept of marks) kept.dirty = true;
      logger.debug({ err: error, sessions: due.length }, 'could not write session records');
    });
  }
}
