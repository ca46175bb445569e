import type { Outgoing } from './requests';

/** Sends made while not ready, flushed in order after `ready`/`resumed`; bounded so a long outage cannot grow it. */
export class Outbox {
  private _frames: Outgoing[] = [];

  private readonly _limit: number;

  constructor(limit: number) {
    this._limit = limit;
  }

  get size(): number {
    return this._frames.length;
  }

  /** False when full: the send is refused rather than an older one dropped, so the caller hears of it. */
  push(frame: Outgoing): boolean {
    if (this._frames.length >= this._limit) return false;
    this._frames.push(frame);
    return true;
  }

  /** Requests that were on the wire when the connection dropped go first: they were made before the queued ones. */
  requeue(frames: readonly Outgoing[]): void {
    this._frames.unshift(...frames);
  }

  has(ref: string): boolean {
    return this._frames.some((frame) => frame.ref === ref);
  }

  take(): Outgoing[] {
    const frames = this._frames;
    this._frames = [];
    return frames;
  }
}
