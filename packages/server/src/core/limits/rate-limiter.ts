import { EventWindow } from './event-window';
import { type RateLimit, TokenBucket } from './rate-limit';

export interface RateLimits {
  /** Every frame but heartbeats. */
  general: RateLimit;
  /** `typing.start` and `typing.stop`. */
  typing: RateLimit;
  /** `recording.event`. */
  recording: RateLimit;
}

export interface RateLimiterSettings {
  readonly rateLimits: RateLimits;
  /** Refused frames within `floodWindowMs` above which the connection is closed 4004. */
  readonly floodLimit: number;
  readonly floodWindowMs: number;
}

/** Heartbeats must always get through, or a throttled client would also be declared dead. */
const EXEMPT: ReadonlySet<string> = new Set(['heartbeat', 'heartbeat_ack']);

const CLASS_OF: Readonly<Record<string, keyof RateLimits>> = {
  'typing.start': 'typing',
  'typing.stop': 'typing',
  'recording.event': 'recording',
};

/**
 * One connection's buckets and its count of refused frames; nothing here is shared with other connections.
 * Each bucket is made at its first frame, full, which is what a bucket made with the connection would hold
 * by then (it refills up to its burst): an idle connection sends one identify and then heartbeats, which
 * are exempt, so it never needs the typing or recording bucket nor the refusal window.
 */
export class ConnectionRateLimiter {
  private general: TokenBucket | undefined;
  private typing: TokenBucket | undefined;
  private recording: TokenBucket | undefined;
  private refusals: EventWindow | undefined;

  constructor(private readonly settings: RateLimiterSettings) {}

  /** 0 when a frame of this type may be handled now; otherwise the ms to wait (`retry_after_ms`). */
  admit(type: string, now: number): number {
    if (EXEMPT.has(type)) return 0;
    const wait = this.bucket('general', now).take(now);
    if (wait > 0) return wait;
    const kind = CLASS_OF[type];
    return kind === undefined ? 0 : this.bucket(kind, now).take(now);
  }

  private bucket(kind: keyof RateLimits, now: number): TokenBucket {
    let bucket = this[kind];
    if (bucket === undefined) {
      bucket = new TokenBucket(this.settings.rateLimits[kind], now);
      this[kind] = bucket;
    }
    return bucket;
  }

  /** Records a refused frame; true when the connection has now flooded (more than `floodLimit` in the window). */
  refused(now: number): boolean {
    const { floodLimit, floodWindowMs } = this.settings;
    this.refusals ??= new EventWindow(floodLimit + 1, floodWindowMs);
    return this.refusals.record(now) > floodLimit;
  }
}
