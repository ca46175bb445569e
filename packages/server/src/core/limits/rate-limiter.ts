import { EventWindow } from './event-window';
import { type RateLimit, TokenBucket } from './rate-limit';

export interface RateLimits {
  /** Every frame but heartbeats. */
  general: RateLimit;
  /** `typing.start` and `typing.stop`. */
  typing: RateLimit;
  /** `recording.event`. */
  recording: RateLimit;
  /** `heartbeat` and `heartbeat_ack`, which count nowhere else. */
  heartbeat: RateLimit;
  /** `presence.update`: each one fans out to every watcher, so it is scarcer than other frames. */
  presence: RateLimit;
}

export interface RateLimiterSettings {
  readonly rateLimits: RateLimits;
  /** Refused frames within `floodWindowMs` above which the connection is closed 4004. */
  readonly floodLimit: number;
  readonly floodWindowMs: number;
  /** Frames a connection may send before it is ready (identify, resume, heartbeats, mistakes). */
  readonly maxFramesBeforeReady: number;
}

/**
 * Heartbeats count only in a bucket of their own: a client throttled for chat must not also be declared dead,
 * yet a heartbeat flood must cost its sender a close like any other flood.
 */
const OWN_BUCKET_ONLY: Readonly<Record<string, keyof RateLimits>> = {
  heartbeat: 'heartbeat',
  heartbeat_ack: 'heartbeat',
};

const CLASS_OF: Readonly<Record<string, keyof RateLimits>> = {
  'typing.start': 'typing',
  'typing.stop': 'typing',
  'recording.event': 'recording',
  'presence.update': 'presence',
};

/**
 * One connection's buckets and its count of refused frames; nothing here is shared with other connections.
 * Each bucket is made at its first frame, full, which is what a bucket made with the connection would hold
 * by then (it refills up to its burst): an idle connection sends one identify and then heartbeats, so it
 * needs only the general and heartbeat buckets, never the refusal window.
 */
export class ConnectionRateLimiter {
  private general: TokenBucket | undefined;
  private typing: TokenBucket | undefined;
  private recording: TokenBucket | undefined;
  private heartbeat: TokenBucket | undefined;
  private presence: TokenBucket | undefined;
  private refusals: EventWindow | undefined;
  private framesBeforeReady = 0;

  constructor(private readonly settings: RateLimiterSettings) {}

  /** 0 when a frame of this type may be handled now; otherwise the ms to wait (`retry_after_ms`). */
  admit(type: string, now: number): number {
    const own = OWN_BUCKET_ONLY[type];
    if (own !== undefined) return this.bucket(own, now).take(now);
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

  /**
   * Counts a frame that came before the connection was ready; true once there were more than
   * `maxFramesBeforeReady`. An honest client sends identify or resume first, so the budget is small: an
   * unidentified connection costs the server next to nothing whatever it sends.
   */
  beforeReady(): boolean {
    this.framesBeforeReady += 1;
    return this.framesBeforeReady > this.settings.maxFramesBeforeReady;
  }

  /** Records a refused frame; true when the connection has now flooded (more than `floodLimit` in the window). */
  refused(now: number): boolean {
    const { floodLimit, floodWindowMs } = this.settings;
    this.refusals ??= new EventWindow(floodLimit + 1, floodWindowMs);
    return this.refusals.record(now) > floodLimit;
  }
}
