import type { BackplaneMessage, Channel } from '../core/ports/backplane';
import { EchoTracker, type QueuedMessage } from './echo-tracker';

/**
 * The echo trackers of a backplane, one per lane of echoes that arrive in publish order. On one Redis server
 * that is everything (one command connection, one subscriber connection): a single lane. On a Redis Cluster
 * only a channel is ordered (its slot's node, over that node's connections), so each channel is its own lane,
 * and an echo on one channel says nothing about publishes still awaited on another.
 */
export class EchoLanes {
  private readonly lanes = new Map<string, EchoTracker>();
  private lanesMade = 0;

  constructor(
    private readonly tag: string,
    private readonly perChannel: boolean,
  ) {}

  expect(channel: Channel, message: BackplaneMessage): string {
    return this.lane(channel).expect(channel, message);
  }

  local(channel: Channel, message: BackplaneMessage): QueuedMessage[] {
    return this.settle(channel, this.lane(channel).local(channel, message));
  }

  heard(channel: Channel, id: string): ReturnType<EchoTracker['heard']> {
    const tracker = this.lanes.get(this.laneOf(channel));
    if (tracker === undefined) return { drop: false, before: [], after: [] };
    const heard = tracker.heard(id);
    this.forgetIfIdle(channel, tracker);
    return heard;
  }

  cancel(channel: Channel, id: string): QueuedMessage[] {
    return this.settle(channel, this.lanes.get(this.laneOf(channel))?.cancel(id) ?? []);
  }

  published(channel: Channel, id: string): void {
    const tracker = this.lanes.get(this.laneOf(channel));
    if (tracker === undefined) return;
    tracker.published(id);
    this.forgetIfIdle(channel, tracker);
  }

  abandon(channel: Channel, id: string): QueuedMessage[] {
    return this.settle(channel, this.lanes.get(this.laneOf(channel))?.abandon(id) ?? []);
  }

  forgetChannel(channel: Channel): QueuedMessage[] {
    return this.settle(channel, this.lanes.get(this.laneOf(channel))?.forgetChannel(channel) ?? []);
  }

  /** Every lane's queue, each in its publish order: the subscriber connection that would echo them is gone. */
  takeAll(): QueuedMessage[] {
    const all: QueuedMessage[] = [];
    for (const tracker of this.lanes.values()) all.push(...tracker.takeAll());
    this.lanes.clear();
    return all;
  }

  get size(): number {
    let size = 0;
    for (const tracker of this.lanes.values()) size += tracker.size;
    return size;
  }

  private laneOf(channel: Channel): string {
    return this.perChannel ? channel : '';
  }

  private lane(channel: Channel): EchoTracker {
    const lane = this.laneOf(channel);
    let tracker = this.lanes.get(lane);
    if (tracker === undefined) {
      // Per channel, ids stay unique across lanes made and dropped, so a late echo never matches a newer
      // lane's publish; the single lane keeps the process's tag as it is.
      tracker = new EchoTracker(this.perChannel ? `${this.tag}.${(++this.lanesMade).toString(36)}` : this.tag);
      this.lanes.set(lane, tracker);
    }
    return tracker;
  }

  private settle(channel: Channel, out: QueuedMessage[]): QueuedMessage[] {
    const tracker = this.lanes.get(this.laneOf(channel));
    if (tracker !== undefined) this.forgetIfIdle(channel, tracker);
    return out;
  }

  /** A channel's idle lane goes, or a cluster gateway would keep one per channel it ever published on. */
  private forgetIfIdle(channel: Channel, tracker: EchoTracker): void {
    if (this.perChannel && tracker.idle) this.lanes.delete(this.laneOf(channel));
  }
}
