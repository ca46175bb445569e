/** Listener argument lists by event name: `{ ready: [ReadyPayload] }`. */
export type EventArgs<Events> = { [K in keyof Events]: unknown[] };

type Listener = (...args: never) => void;

interface Registration {
  readonly listener: Listener;
  readonly once: boolean;
}

/**
 * The typed emitter GatewayClient extends, with eventemitter3's methods and semantics: listeners run
 * synchronously in the order they were added; a `once` listener is removed before it runs; a listener added
 * during an emit waits for the next one, and one removed during an emit still runs in it. eventemitter3 itself
 * was a tenth of the client's 12 KB budget (with its CommonJS wrapper), for context arguments, prefixed keys
 * and ES3 support that nothing here uses.
 */
export class Emitter<Events extends EventArgs<Events>> {
  private _listeners = new Map<keyof Events, readonly Registration[]>();

  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    return this._add(event, listener, false);
  }

  addListener<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    return this._add(event, listener, false);
  }

  once<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    return this._add(event, listener, true);
  }

  /** Removes every registration of `listener` for `event`; without a listener, all of the event's. */
  off<K extends keyof Events>(event: K, listener?: (...args: Events[K]) => void): this {
    return this._set(
      event,
      listener === undefined ? [] : this._registrations(event).filter((entry) => entry.listener !== listener),
    );
  }

  removeListener<K extends keyof Events>(event: K, listener?: (...args: Events[K]) => void): this {
    return this.off(event, listener);
  }

  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this._listeners.clear();
    else this._listeners.delete(event);
    return this;
  }

  /** Calls the event's listeners with `args`; true when there was at least one. A listener's throw propagates. */
  emit<K extends keyof Events>(event: K, ...args: Events[K]): boolean {
    // The array is replaced, never changed in place, by every add and remove: this one is the emit's snapshot.
    const registrations = this._registrations(event);
    for (const { listener, once } of registrations) {
      if (once) this._remove(event, listener);
      (listener as (...args: Events[K]) => void)(...args);
    }
    return registrations.length > 0;
  }

  listenerCount(event: keyof Events): number {
    return this._registrations(event).length;
  }

  listeners<K extends keyof Events>(event: K): ((...args: Events[K]) => void)[] {
    return this._registrations(event).map((entry) => entry.listener as (...args: Events[K]) => void);
  }

  eventNames(): (keyof Events)[] {
    return [...this._listeners.keys()];
  }

  private _registrations(event: keyof Events): readonly Registration[] {
    return this._listeners.get(event) ?? [];
  }

  private _set(event: keyof Events, registrations: readonly Registration[]): this {
    if (registrations.length > 0) this._listeners.set(event, registrations);
    else this._listeners.delete(event);
    return this;
  }

  private _add(event: keyof Events, listener: Listener, once: boolean): this {
    if (typeof listener !== 'function') throw new TypeError('The listener must be a function');
    return this._set(event, [...this._registrations(event), { listener, once }]);
  }

  /** Removes one `once` registration: the one that is about to run. */
  private _remove(event: keyof Events, listener: Listener): void {
    const registrations = this._registrations(event);
    const index = registrations.findIndex((entry) => entry.once && entry.listener === listener);
    this._set(
      event,
      registrations.filter((_, at) => at !== index),
    );
  }
}
