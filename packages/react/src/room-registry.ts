import type { GatewayClient } from '@gateway/client';
import { RoomStore } from './room-store';

interface Entry {
  readonly store: RoomStore;
  holders: number;
}

/**
 * The rooms components use, counted: the first hold of a room subscribes it, the last release unsubscribes
 * it, a microtask later, so that StrictMode's unmount and remount of the same effects (and a room passed from
 * one component to the next in one commit) keep the subscription instead of leaving and joining again.
 */
export class RoomRegistry {
  private readonly _rooms = new Map<string, Entry>();
  /** Unsubscribes sent and not yet answered, by room: their `unsubscribed` replies are no revocation. */
  private readonly _leaving = new Map<string, number>();

  constructor(private readonly _client: GatewayClient) {}

  /** The room's store while it is held (or about to be released). */
  peek(roomId: string): RoomStore | undefined {
    return this._rooms.get(roomId)?.store;
  }

  /** Holds the room until the returned function is called (once; later calls do nothing). */
  hold(roomId: string): { store: RoomStore; release: () => void } {
    let entry = this._rooms.get(roomId);
    if (entry === undefined) {
      entry = { store: new RoomStore(this._client, roomId, (id) => (this._leaving.get(id) ?? 0) > 0), holders: 0 };
      this._rooms.set(roomId, entry);
      entry.store.start();
    }
    const held = entry;
    held.holders++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--held.holders === 0) queueMicrotask(() => this._drop(roomId, held));
    };
    return { store: held.store, release };
  }

  private _drop(roomId: string, entry: Entry): void {
    if (entry.holders > 0 || this._rooms.get(roomId) !== entry) return;
    this._rooms.delete(roomId);
    entry.store.end();
    this._leaving.set(roomId, (this._leaving.get(roomId) ?? 0) + 1);
    const left = () => {
      const count = (this._leaving.get(roomId) ?? 1) - 1;
      if (count > 0) this._leaving.set(roomId, count);
      else this._leaving.delete(roomId);
    };
    // A closed client has nothing to leave: its rejection says so, and is no news.
    this._client.unsubscribe(roomId).then(left, left);
  }
}
