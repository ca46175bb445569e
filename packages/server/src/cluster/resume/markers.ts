import type { Fanout } from '../../core/delivery/fanout';
import { type Channel, nodeChannel } from '../../core/ports/backplane';
import type { Clock } from '../../core/ports/clock';
import { MARKER_TYPE } from './rebuild';

/** A marker not back by then is taken as lost (Redis trouble): whoever waits for it hears `undefined`. */
export const MARKER_DEADLINE_MS = 5_000;

/**
 * Markers: messages this instance puts in the events stream on its own channel to learn where the stream is.
 * One subscriber connection orders everything, so a marker is a clean cut for all channels at once.
 */
export class Markers {
  readonly channel: Channel;
  private readonly waiting = new Map<string, (position: string | undefined) => void>();
  private next = 0;

  constructor(
    private readonly serverId: string,
    private readonly fanout: Pick<Fanout, 'publish'>,
    private readonly clock: Clock,
  ) {
    this.channel = nodeChannel(serverId);
  }

  /**
   * Publishes a marker (after this turn's subscriptions: the backplane holds a publish until they are
   * confirmed); `arrived` runs as it comes back, within the delivery, with its stream position (undefined if
   * it came back without one or not at all). Returns the marker's token.
   */
  place(arrived: (position: string | undefined) => void): string {
    const token = `${this.serverId}:${++this.next}`;
    const deadline = this.clock.setTimeout(() => {
      if (this.waiting.delete(token)) arrived(undefined);
    }, MARKER_DEADLINE_MS);
    this.waiting.set(token, (position) => {
      this.clock.clearTimeout(deadline);
      arrived(position);
    });
    queueMicrotask(() => this.fanout.publish(this.channel, MARKER_TYPE, { token }, true));
    return token;
  }

  /** A marker came back on this instance's channel. */
  arrived(token: string, position: string | undefined): void {
    const arrived = this.waiting.get(token);
    this.waiting.delete(token);
    arrived?.(position);
  }
}
