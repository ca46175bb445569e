import {
  type Backplane,
  type BackplaneMessage,
  type BackplaneNode,
  type BackplaneState,
  PRESENCE_CHANNEL,
} from '../../core/ports/backplane';
import type { Clock, TimerHandle } from '../../core/ports/clock';
import type { Logger } from '../../core/ports/logger';
import type { PresenceStore, StoredDevice } from '../../core/ports/presence-store';
import type { DeviceSnapshot, PresenceDelta } from '../../core/presence/delta';
import type { Presence, PresenceOrdering } from '../../core/presence/presence';
import type { Session } from '../../core/session';
import {
  type Bootstrap,
  helloHeard,
  holdsDeltas,
  IDLE,
  LOADED,
  MAX_WAITING_DELTAS,
  overdue,
  subscribing,
  waitingDeltas,
} from './bootstrap';
import type { Liveness } from './liveness';
import { deltaMessage, helloMessage, originOf, type PresenceMessage, readPresenceMessage } from './messages';
import { OwnChanges } from './own-changes';
import { sweepGoneInstances } from './sweeper';

export interface PresenceReplicationOptions {
  readonly presence: Presence;
  readonly backplane: Backplane;
  readonly serverId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The gateway's timestamps (ISO, on its clock), for the changes this replication makes itself. */
  readonly timestamp: () => string;
  /** Makes the nonce of a bootstrap's hello. */
  readonly nonce: () => string;
  /** This instance's session with that id, for the snapshot row its change rewrites. */
  readonly localSession: (sessionId: string) => Session | undefined;
  /** The shared snapshot and liveness keys (Redis); absent: presence lives in memory only. */
  readonly store?:
    | { readonly snapshot: PresenceStore; readonly liveness: Liveness; readonly ttlMs: number }
    | undefined;
}

/**
 * Presence across instances (docs/scale-out.md, "Presence across instances"). Every change is published on
 * the internal `presence` channel, this instance's own included, and applied when the backplane brings it
 * back: every instance applies the same changes in the same order, so every table reports the same
 * transitions, and only a change's origin announces them. With a snapshot store, a late instance starts
 * from what is there, and a sweeper takes a crashed instance's devices down.
 */
export class PresenceReplication implements PresenceOrdering {
  private readonly node: BackplaneNode;
  private readonly own: OwnChanges;
  /**
   * The delta each of this instance's messages carries: the in-memory backplane hands the very message
   * object back, so its echo is applied as made instead of parsed again (the table then shares the user and
   * device objects with the session instead of holding copies). Through Redis the echo is a new object.
   */
  private readonly sentDeltas = new WeakMap<BackplaneMessage, PresenceDelta>();
  private bootstrap: Bootstrap;
  private readonly bootstrapWaiters = new Set<(loaded: boolean) => void>();
  private timer: TimerHandle | undefined;
  private ticking = false;
  private closed = false;

  constructor(private readonly options: PresenceReplicationOptions) {
    this.own = new OwnChanges(options.clock);
    this.node = options.backplane.connect((channel, message) => this.receive(channel, message), {
      serverId: options.serverId,
      onState: (state) => this.backplaneChanged(state),
    });
    this.node.subscribe(PRESENCE_CHANNEL);
    this.bootstrap = options.store === undefined ? LOADED : IDLE;
    if (options.store !== undefined) {
      void this.refresh();
      this.startBootstrap();
      this.schedule();
    }
  }

  // ---- PresenceOrdering ----

  submit(delta: PresenceDelta): void {
    this.write(delta);
    this.publish(delta);
  }

  settled(): Promise<void> | undefined {
    return this.own.settled();
  }

  loaded(timeoutMs: number): Promise<boolean> {
    if (this.bootstrap.phase === 'loaded') return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    const { clock } = this.options;
    return new Promise((resolve) => {
      const waiter = (loaded: boolean) => {
        clock.clearTimeout(timer);
        this.bootstrapWaiters.delete(waiter);
        resolve(loaded);
      };
      const timer = clock.setTimeout(() => waiter(false), timeoutMs);
      this.bootstrapWaiters.add(waiter);
    });
  }

  /**
   * Stops the sweeps and leaves the channel; a stopped instance knows no one, since it no longer hears the
   * changes that would keep its table true. With no device left here (every session ended, or released to be
   * resumed elsewhere), the liveness key goes at once.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of [...this.bootstrapWaiters]) waiter(false);
    this.own.close();
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.node.close();
    const { store, presence, serverId } = this.options;
    presence.table.clear();
    if (store !== undefined && presence.localDevices().length === 0) store.snapshot.forget(serverId).catch(() => {});
  }

  // ---- out ----

  /** The snapshot row goes first, on the connection the delta then goes out on. */
  private write(delta: PresenceDelta): void {
    const store = this.options.store;
    if (store === undefined || delta.op === 'sync') return;
    if (delta.op === 'down') {
      store.snapshot.remove(delta.user_id, delta.session);
      return;
    }
    const session = this.options.localSession(delta.session);
    const device = session === undefined ? undefined : this.options.presence.localDevice(session);
    if (device !== undefined) store.snapshot.put(this.stored(device));
  }

  private publish(delta: PresenceDelta): void {
    if (this.closed) return;
    const message = deltaMessage(delta);
    this.sentDeltas.set(message, delta);
    this.own.left();
    this.node.publish(PRESENCE_CHANNEL, message);
  }

  private stored(device: DeviceSnapshot): StoredDevice {
    const ttlMs = this.options.store?.ttlMs ?? 0;
    return { ...device, expires_at: this.options.clock.now() + ttlMs };
  }

  // ---- in ----

  private receive(channel: string, message: BackplaneMessage): void {
    if (channel !== PRESENCE_CHANNEL) return;
    const sent = this.sentDeltas.get(message);
    const read: PresenceMessage | undefined =
      sent === undefined ? readPresenceMessage(message.body) : { kind: 'delta', delta: sent };
    if (read === undefined) return;
    const { serverId } = this.options;
    this.options.store?.liveness.heard(originOf(read));
    if (read.kind === 'hello') {
      const next = read.origin === serverId ? helloHeard(this.bootstrap, read.nonce) : undefined;
      if (next !== undefined) {
        this.bootstrap = next;
        void this.load(read.nonce);
      }
      return;
    }
    const { delta } = read;
    // Another instance is back from an outage and missed our changes meanwhile, as we missed its.
    if (delta.op === 'sync' && delta.reply && delta.origin !== serverId) this.publishSync(false);
    if (holdsDeltas(this.bootstrap)) {
      this.bootstrap.waiting.push(delta);
      if (this.bootstrap.waiting.length > MAX_WAITING_DELTAS) this.finishBootstrap(false);
      return;
    }
    this.apply(delta);
  }

  private apply(delta: PresenceDelta): void {
    if (this.closed) return;
    const { presence, serverId } = this.options;
    if (delta.op === 'sync') presence.applySync(delta);
    else presence.applyOrdered(delta);
    if (delta.origin === serverId) this.own.cameBack();
  }

  /**
   * The backplane is back after an outage (or up for the first time): while it was down, this instance's
   * changes reached only its own table and the others' only theirs. Every device held here goes out as a
   * sync, which also asks the others for theirs; the snapshot and liveness key are written again at once (a
   * restarted Redis has neither), and sweeps wait a TTL, so no live instance is taken for dead meanwhile.
   */
  private backplaneChanged(state: BackplaneState): void {
    if (state !== 'ok' || this.closed) return;
    this.options.store?.liveness.recovered();
    void this.refresh();
    this.publishSync(true);
  }

  private publishSync(reply: boolean): void {
    const { presence, serverId, timestamp } = this.options;
    this.publish({ op: 'sync', origin: serverId, at: timestamp(), devices: presence.localDevices(), reply });
  }

  // ---- bootstrap from the snapshot ----

  /** Subscribed already; a hello coming back proves the subscription is live, then the snapshot is read. */
  private startBootstrap(): void {
    if (this.closed) return;
    const nonce = this.options.nonce();
    this.bootstrap = subscribing(nonce, this.options.clock.now());
    this.node.publish(PRESENCE_CHANNEL, helloMessage(this.options.serverId, nonce));
  }

  private async load(nonce: string): Promise<void> {
    const store = this.options.store;
    if (store === undefined) return;
    const isCurrent = () => this.bootstrap.phase === 'loading' && this.bootstrap.nonce === nonce;
    try {
      const devices = await store.snapshot.load(this.options.clock.now());
      if (!isCurrent()) return;
      const { presence, serverId, localSession } = this.options;
      for (const device of devices) {
        // Our own fields are our sessions' business: only those still here count.
        if (device.node === serverId && localSession(device.session) === undefined) continue;
        presence.table.load(device);
      }
      this.finishBootstrap(true);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'presence snapshot could not be loaded; retrying');
      if (isCurrent()) this.finishBootstrap(false);
    }
  }

  /** Applies what arrived meanwhile, in order. */
  private finishBootstrap(loaded: boolean): void {
    const waiting = waitingDeltas(this.bootstrap);
    this.bootstrap = loaded ? LOADED : IDLE;
    for (const delta of waiting) this.apply(delta);
    if (loaded) for (const waiter of [...this.bootstrapWaiters]) waiter(true);
  }

  // ---- the periodic round: liveness, retries, re-announcements, the sweep ----

  private get periodMs(): number {
    return Math.max(1, Math.floor((this.options.store?.ttlMs ?? 0) / 3));
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.schedule();
      void this.tick();
    }, this.periodMs);
  }

  private async tick(): Promise<void> {
    const store = this.options.store;
    if (store === undefined || this.ticking || this.closed) return;
    this.ticking = true;
    try {
      if (overdue(this.bootstrap, this.options.clock.now(), store.ttlMs)) this.finishBootstrap(false);
      if (this.bootstrap.phase === 'idle') this.startBootstrap();
      await this.refresh();
      if (!holdsDeltas(this.bootstrap)) this.reannounce();
      await this.sweep();
    } catch (error) {
      this.options.logger.debug({ err: error }, 'presence sweep failed');
    } finally {
      this.ticking = false;
    }
  }

  /** The liveness key and every device of this instance, with fresh expiries. */
  private async refresh(): Promise<void> {
    const store = this.options.store;
    if (store === undefined) return;
    const rows = this.options.presence.localDevices().map((device) => this.stored(device));
    try {
      await store.snapshot.refresh(this.options.serverId, store.ttlMs, rows);
    } catch (error) {
      this.options.logger.debug({ err: error }, 'presence refresh failed');
    }
  }

  /** A device of ours the table lost (a sweep while we were cut off): announced again. */
  private reannounce(): void {
    const { presence, serverId } = this.options;
    for (const device of presence.localDevices()) {
      if (presence.table.has(device.session)) continue;
      const { session, user, updated_at: at } = device;
      this.publish({
        op: 'up',
        origin: serverId,
        at,
        node: serverId,
        session,
        user,
        device: device.device,
        ...(device.data === undefined ? {} : { data: device.data }),
      });
      for (const room of device.rooms) {
        this.publish({ op: 'join', origin: serverId, at, session, user_id: user.id, room });
      }
    }
  }

  /** Devices of instances whose liveness key expired go down, announced by whoever holds the lock. */
  private async sweep(): Promise<void> {
    const store = this.options.store;
    if (store === undefined || holdsDeltas(this.bootstrap)) return;
    const { presence, serverId, logger, timestamp } = this.options;
    await sweepGoneInstances({
      table: presence.table,
      store: store.snapshot,
      liveness: store.liveness,
      serverId,
      lockMs: this.periodMs,
      isClosed: () => this.closed,
      logger,
      down: (session, userId) =>
        this.publish({ op: 'down', origin: serverId, at: timestamp(), session, user_id: userId }),
    });
  }
}
