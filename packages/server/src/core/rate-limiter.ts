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

/** One connection's buckets and its count of refused frames; nothing here is shared with other connections. */
export class ConnectionRateLimiter {
  private readonly general: TokenBucket;
  private readonly typing: TokenBucket;
  private readonly recording: TokenBucket;
  private readonly refusals: EventWindow;

  constructor(
    private readonly settings: RateLimiterSettings,
    now: number,
  ) {
    this.general = new TokenBucket(settings.rateLimits.general, now);
    this.typing = new TokenBucket(settings.rateLimits.typing, now);
    this.recording = new TokenBucket(settings.rateLimits.recording, now);
    this.refusals = new EventWindow(settings.floodLimit + 1, settings.floodWindowMs);
  }

  /** 0 when a frame of this type may be handled now; otherwise the ms to wait (`retry_after_ms`). */
  admit(type: string, now: number): number {
    if (EXEMPT.has(type)) return 0;
    const wait = this.general.take(now);
    if (wait > 0) return wait;
    const kind = CLASS_OF[type];
    return kind === undefined ? 0 : this[kind].take(now);
  }

  /** Records a refused frame; true when the connection has now flooded (more than `floodLimit` in the window). */
  refused(now: number): boolean {
    return this.refusals.record(now) > this.settings.floodLimit;
  }
}
