import type { Clock } from '../../src/core/ports/clock';
import type { SessionRecord, SessionRecords, StoredSession } from '../../src/core/ports/session-store';

/**
 * Session records in one process, with the Redis scripts' rules (write only as the holder, claim, remove only
 * as the holder) and their TTLs on the given clock: gateways sharing an InMemoryBackplane and one of these are
 * instances without an events stream, whose timings a manual clock drives.
 */
export class MemorySessionRecords implements SessionRecords {
  private readonly stored = new Map<string, StoredSession & { readonly expiresAt: number }>();

  constructor(private readonly clock: Clock) {}

  async read(sessionId: string): Promise<StoredSession | undefined> {
    const found = this.live(sessionId);
    return found === undefined ? undefined : { holder: found.holder, record: found.record };
  }

  async write(
    records: ReadonlyArray<{ id: string; record: SessionRecord }>,
    holder: string,
    ttlMs: number,
  ): Promise<boolean[]> {
    return records.map(({ id, record }) => {
      const found = this.live(id);
      if (found !== undefined && found.holder !== holder) return false;
      this.stored.set(id, { holder, record, expiresAt: this.clock.now() + ttlMs });
      return true;
    });
  }

  async claim(sessionId: string, holder: string, ttlMs: number): Promise<{ previous: string | undefined } | undefined> {
    const found = this.live(sessionId);
    if (found === undefined) return undefined;
    this.stored.set(sessionId, { holder, record: found.record, expiresAt: this.clock.now() + ttlMs });
    return { previous: found.holder };
  }

  async remove(sessionId: string, holder: string): Promise<void> {
    if (this.live(sessionId)?.holder === holder) this.stored.delete(sessionId);
  }

  /** The holder named now (undefined: no record). */
  holderOf(sessionId: string): string | undefined {
    return this.live(sessionId)?.holder;
  }

  private live(sessionId: string) {
    const found = this.stored.get(sessionId);
    if (found !== undefined && found.expiresAt <= this.clock.now()) {
      this.stored.delete(sessionId);
      return undefined;
    }
    return found;
  }
}
