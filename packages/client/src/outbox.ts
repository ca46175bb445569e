import type { Outgoing } from './requests';

/** Sends made while not ready, flushed in order after `ready`/`resumed`; bounded so a long outage cannot grow it. */
export class Outbox {
  #frames: Outgoing[] = [];

  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#frames.length;
  }

  /** False when full: the send is refused rather than an older one dropped, so the caller hears of it. */
  push(frame: Outgoing): boolean {
    if (this.#frames.length >= this.#limit) return false;
    this.#frames.push(frame);
    return true;
  }

  /** Requests that were on the wire when the connection dropped go first: they were made before the queued ones. */
  requeue(frames: readonly Outgoing[]): void {
    this.#frames.unshift(...frames);
  }

  has(ref: string): boolean {
    return this.#frames.some((frame) => frame.ref === ref);
  }

  take(): Outgoing[] {
    const frames = this.#frames;
    this.#frames = [];
    return frames;
  }
}
