import { isDispatchType, prepareDispatch } from '@gateway/protocol';
import { ALL_CHANNEL, type BackplaneMessage, type Channel, roomChannel, userChannel } from '../ports/backplane';
import type { Session } from '../session';
import type { Exclusions, Fanout } from './fanout';

/**
 * Where the gateway's frames go: a room, a user, everyone (through the backplane, so every instance's sessions
 * get them), or one local session. Whether a frame is numbered (a dispatch) or not is decided here, once.
 */
export class Delivery {
  constructor(
    private readonly fanout: Fanout,
    /** Application event types declared ephemeral: never numbered or replayed. */
    private readonly ephemeralCustomTypes: ReadonlySet<string>,
  ) {}

  /** True for types that carry a seq: built-in dispatches and non-ephemeral custom events. */
  isSequenced(type: string): boolean {
    return isDispatchType(type) && !this.ephemeralCustomTypes.has(type);
  }

  toRoom(roomId: string, type: string, payload: unknown, exclude?: Exclusions, once?: BackplaneMessage['once']): void {
    this.fanout.publish(roomChannel(roomId), type, payload, this.isSequenced(type), exclude, once);
  }

  toUser(userId: string, type: string, payload: unknown, exclude?: Exclusions): void {
    this.fanout.publish(userChannel(userId), type, payload, this.isSequenced(type), exclude);
  }

  toAll(type: string, payload: unknown, exclude?: Exclusions): void {
    this.fanout.publish(ALL_CHANNEL, type, payload, this.isSequenced(type), exclude);
  }

  /** To every instance through the backplane, or `here`: to this instance's sessions on the channel only. */
  emit(channel: Channel, type: string, payload: unknown, exclude: Exclusions | undefined, here: boolean): void {
    if (here) this.fanout.deliverHere(channel, type, payload, this.isSequenced(type), exclude);
    else this.fanout.publish(channel, type, payload, this.isSequenced(type), exclude);
  }

  /** One frame to one local session, numbered or not by its type. */
  toSession(session: Session, type: string, payload: unknown): void {
    if (this.isSequenced(type)) session.dispatch(prepareDispatch(type, payload));
    else session.send(type, payload);
  }
}
