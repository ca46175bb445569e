/** What `gateway.stats()` counts; incremented only through these methods. */
export class Counters {
  private framesInCount = 0;
  private framesOutCount = 0;
  private resumesOkCount = 0;
  private resumesRefusedCount = 0;
  private replayedCount = 0;
  private deliveriesCount = 0;
  private slowConsumerClosesCount = 0;
  private rateLimitedCount = 0;
  private movedInCount = 0;
  private movedOutCount = 0;
  /** Entries a store dropped to stay within its byte or count budget, by store. */
  private readonly evictions = new Map<string, number>();

  frameIn(): void {
    this.framesInCount += 1;
  }

  frameOut(): void {
    this.framesOutCount += 1;
  }

  resumed(replayed: number): void {
    this.resumesOkCount += 1;
    this.replayedCount += replayed;
  }

  resumeRefused(): void {
    this.resumesRefusedCount += 1;
  }

  /** A session came here from another instance (`in`) on a resume, or went to one (`out`). */
  sessionMoved(direction: 'in' | 'out'): void {
    if (direction === 'in') this.movedInCount += 1;
    else this.movedOutCount += 1;
  }

  /** Dispatches sent again for a `replay` request. */
  replayed(count: number): void {
    this.replayedCount += count;
  }

  /** A fan-out handed a dispatch to `count` local sessions (a detached one buffers it; that counts too). */
  delivered(count: number): void {
    this.deliveriesCount += count;
  }

  /** A connection was closed 4003 for reading too slowly. */
  slowConsumerClosed(): void {
    this.slowConsumerClosesCount += 1;
  }

  /** A frame was refused `rate_limited`. */
  rateLimited(): void {
    this.rateLimitedCount += 1;
  }

  /** A store let `count` entries go (oldest or least recently used first) to stay within its budget. */
  budgetEvicted(store: string, count = 1): void {
    this.evictions.set(store, (this.evictions.get(store) ?? 0) + count);
  }

  budgetEvictions(): Record<string, number> {
    return Object.fromEntries(this.evictions);
  }

  snapshot(): {
    frames_in: number;
    frames_out: number;
    resumes_ok: number;
    resumes_refused: number;
    replayed_events: number;
    deliveries: number;
    slow_consumer_closes: number;
    rate_limited_frames: number;
    sessions_moved_in: number;
    sessions_moved_out: number;
  } {
    return {
      frames_in: this.framesInCount,
      frames_out: this.framesOutCount,
      resumes_ok: this.resumesOkCount,
      resumes_refused: this.resumesRefusedCount,
      replayed_events: this.replayedCount,
      deliveries: this.deliveriesCount,
      slow_consumer_closes: this.slowConsumerClosesCount,
      rate_limited_frames: this.rateLimitedCount,
      sessions_moved_in: this.movedInCount,
      sessions_moved_out: this.movedOutCount,
    };
  }
}
