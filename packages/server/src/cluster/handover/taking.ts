import type { Channel } from '../../core/ports/backplane';
import type { Clock, TimerHandle } from '../../core/ports/clock';
import type { Offer, RingPayload } from './messages';

/** How one step of a handover ended on the taker's side. */
export type StepResult<T> = { readonly ok: T } | { readonly refused: string };

const LATE = 'The instance holding the session did not answer in time.';

/**
 * One handover as the taker waits for it: the holder's offer, then the marks on every channel and the ring's
 * parts. Each wait ends at the first of its answer, a refusal, or the step's deadline.
 */
export class Taking {
  /** Channels whose mark has come: from there on, what they bring is this instance's to number. */
  readonly marked = new Set<Channel>();
  private readonly ring: Array<readonly [string, string]> = [];
  private ringDone = false;
  private waiter: ((result: StepResult<unknown>) => void) | undefined;
  private timer: TimerHandle | undefined;
  private offering: Offer | undefined;
  private refusal: string | undefined;
  /** What the wait under way needs: its result once there, undefined until then. */
  private check: (() => StepResult<unknown> | undefined) | undefined;

  constructor(
    readonly token: string,
    readonly holder: string,
    private readonly clock: Clock,
    private readonly stepMs: number,
  ) {}

  /** What the holder offers for the session, or why not. */
  offer(): Promise<StepResult<Offer>> {
    return this.wait(() => (this.offering === undefined ? undefined : { ok: this.offering }));
  }

  /** The dispatches after the client's seq, once every one of `channels` has its mark, or why not. */
  handedOver(channels: readonly Channel[]): Promise<StepResult<ReadonlyArray<readonly [string, string]>>> {
    return this.wait(() => {
      if (!this.ringDone || !channels.every((channel) => this.marked.has(channel))) return undefined;
      return { ok: this.ring };
    });
  }

  offered(offer: Offer): void {
    this.offering = offer;
    this.settle();
  }

  markArrived(channel: Channel): void {
    this.marked.add(channel);
    this.settle();
  }

  ringArrived(part: RingPayload): void {
    if (this.ringDone) return;
    this.ring.push(...part.dispatches);
    this.ringDone = part.last;
    this.settle();
  }

  /** The holder refused, or the taker gave up: a pending wait, and any later one, hears `reason`. */
  refused(reason: string): void {
    this.refusal = reason;
    this.settle();
  }

  private wait<T>(ready: () => StepResult<T> | undefined): Promise<StepResult<T>> {
    return new Promise<StepResult<T>>((resolve) => {
      this.check = ready;
      this.waiter = resolve as (result: StepResult<unknown>) => void;
      this.timer = this.clock.setTimeout(() => this.finish({ refused: LATE }), this.stepMs);
      this.settle();
    });
  }

  private settle(): void {
    if (this.waiter === undefined) return;
    if (this.refusal !== undefined) {
      this.finish({ refused: this.refusal });
      return;
    }
    const result = this.check?.();
    if (result !== undefined) this.finish(result);
  }

  private finish(result: StepResult<unknown>): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    this.check = undefined;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    waiter?.(result);
  }
}
