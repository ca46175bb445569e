import type { Data, PresenceDevice, PresenceEntry, PresenceStatus } from '@gateway/protocol';
import { randomChars } from '../core/ids';
import {
  type Backplane,
  type BackplaneMessage,
  type BackplaneNode,
  type BackplaneState,
  PRESENCE_CHANNEL,
} from '../core/ports/backplane';
import type { TimerHandle } from '../core/ports/clock';
import type { PresenceStore, StoredDevice } from '../core/ports/presence-store';
import { aggregateStatus } from '../core/presence';
import {
  type DeviceSnapshot,
  type PresenceDelta,
  PresenceReplica,
  type PresenceTransition,
  parseDelta,
} from '../core/presence-replica';
import type { Runtime } from '../core/runtime';
import type { Session } from '../core/session';

/** Deltas received while the snapshot loads wait here; past this many the load is abandoned and retried. */
const MAX_BUFFERED_DELTAS = 100_000;

/**
 * One queue per backplane: a delta published while another is being delivered (a session ending inside a
 * delivery) waits until that delivery has reached every instance, so the in-memory backplane, which
 * delivers synchronously, keeps one order for every gateway sharing it.
 */
const outboxes = new WeakMap<Backplane, { queue: OutgoingDelta[]; flushing: boolean }>();

/** A delta on its way out: the node publishing it, the message carrying it, and the cluster that made it. */
interface OutgoingDelta {
  readonly node: BackplaneNode;
  readonly message: BackplaneMessage;
  readonly from: PresenceCluster;
  readonly delta: PresenceDelta;
}

/**
 * The delta being handed to a backplane right now. The in-memory backplane delivers synchronously and passes
 * the message object itself, so the echo reaching the cluster that made the delta applies it as made rather
 * than parsing a copy: the replica then shares the session id, user, device and timestamp with this
 * instance's own tables instead of holding copies of each (some hundred bytes per device). Through Redis the
 * echo is another message object and is parsed as before; other instances always parse theirs.
 */
let delivering: OutgoingDelta | undefined;

/**
 * Presence across instances (docs/scale-out.md, "Presence across instances"). Local changes become deltas
 * on the internal `presence` channel; every instance, this one included (through the echo), applies them in
 * arrival order to a replicated table, and only the delta's origin sends the client-facing `presence.*`
 * events. With Redis, a snapshot (hash per user, field per session) lets a late instance start from what is
 * there, and a liveness key per instance lets a sweeper take a crashed instance's devices down.
 *
 * What clients are shown (ready, subscribed, /rooms) is this instance's own sessions as they are now plus
 * the other instances' devices from the table, so a session sees itself before its delta has come back.
 */
export class PresenceCluster {
  private replica = new PresenceReplica();
  private readonly node: BackplaneNode;
  private readonly backplane: Backplane;
  private readonly me: string;
  private readonly store: PresenceStore | undefined;
  private readonly ttlMs: number;
  /** This instance's devices as written to the snapshot (rooms included). */
  private readonly local = new Map<string, StoredDevice>();
  private loading = false;
  private loadStartedAt = 0;
  private bootstrapped = false;
  private nonce = '';
  private buffer: PresenceDelta[] = [];
  private timer: TimerHandle | undefined;
  private ticking = false;
  private closed = false;
  /** When each other instance was last heard on the channel: one heard within the TTL is not swept. */
  private readonly lastHeard = new Map<string, number>();
  /** No sweep before this (clock ms): after an outage every instance gets a TTL to write its liveness key. */
  private sweepAfter = 0;
  private readonly bootstrapWaiters = new Set<(ok: boolean) => void>();

  constructor(private readonly rt: Runtime) {
    const { options } = rt;
    this.backplane = options.backplane;
    this.me = options.serverId;
    this.ttlMs = options.presenceTtlMs;
    this.node = this.backplane.connect(
      (channel, message) => {
        if (channel === PRESENCE_CHANNEL) this.receive(message);
      },
      { serverId: this.me, onState: (state) => this.backplaneChanged(state) },
    );
    this.node.subscribe(PRESENCE_CHANNEL);
    // None means one process (or gateways sharing an in-memory backplane): presence in memory only.
    this.store = options.presenceStore;
    if (this.store !== undefined) {
      void this.refresh();
      this.startBootstrap();
      this.schedule();
    }
  }

  // ---- local changes (this instance's sessions) ----

  up(session: Session, device: PresenceDevice, data?: Data): void {
    const at = this.rt.timestamp();
    const stored: StoredDevice = {
      node: this.me,
      session: session.id,
      user: session.user,
      device,
      rooms: [],
      updated_at: at,
      expires_at: 0,
    };
    if (data !== undefined) stored.data = data;
    this.write(stored);
    this.publish({
      op: 'up',
      origin: this.me,
      at,
      node: this.me,
      session: session.id,
      user: session.user,
      device,
      ...(data === undefined ? {} : { data }),
    });
  }

  status(session: Session, status: PresenceStatus, data?: Data): void {
    const at = this.rt.timestamp();
    const stored = this.local.get(session.id);
    if (stored !== undefined) {
      stored.device = { ...stored.device, status };
      if (data !== undefined) stored.data = data;
      stored.updated_at = at;
      this.write(stored);
    }
    const delta: PresenceDelta = {
      op: 'status',
      origin: this.me,
      at,
      session: session.id,
      user_id: session.user.id,
      status,
    };
    if (data !== undefined) delta.data = data;
    this.publish(delta);
  }

  down(session: Session): void {
    this.local.delete(session.id);
    this.store?.remove(session.user.id, session.id);
    this.publish({
      op: 'down',
      origin: this.me,
      at: this.rt.timestamp(),
      session: session.id,
      user_id: session.user.id,
    });
  }

  join(session: Session, roomId: string): void {
    this.room('join', session, roomId);
  }

  leave(session: Session, roomId: string): void {
    this.room('leave', session, roomId);
  }

  // ---- what clients are shown ----

  /** The user's presence over every instance; undefined when offline or invisible everywhere. */
  entry(userId: string): PresenceEntry | undefined {
    return merge(this.rt.presence.entry(userId), this.replica.entry(userId, this.me));
  }

  /** Everyone visible, on any instance: this instance's users first, as a single gateway lists them. */
  list(): PresenceEntry[] {
    const out = this.rt.presence
      .list()
      .map((local) => merge(local, this.replica.entry(local.user_id, this.me)) ?? local);
    const seen = new Set(out.map((entry) => entry.user_id));
    for (const userId of this.replica.userIds()) {
      if (seen.has(userId)) continue;
      const remote = this.replica.entry(userId, this.me);
      if (remote !== undefined) out.push(remote);
    }
    return out;
  }

  /** Users subscribed to the room on any instance. */
  roomUserIds(roomId: string): string[] {
    const out = this.rt.rooms.userIds(roomId);
    const seen = new Set(out);
    for (const userId of this.replica.roomUserIds(roomId, this.me)) if (!seen.has(userId)) out.push(userId);
    return out;
  }

  roomConnectionCount(roomId: string): number {
    return this.rt.rooms.connectionCount(roomId) + this.replica.roomSessionCount(roomId, this.me);
  }

  /** Rooms the user is in on any instance, as the table has them. */
  userRooms(userId: string): string[] {
    return this.replica.userRooms(userId);
  }

  /**
   * Resolves once the table holds what the snapshot had (at once without Redis), or after `timeoutMs`: an
   * instance that accepts clients before that would show them an empty room. False when it timed out.
   */
  whenBootstrapped(timeoutMs: number): Promise<boolean> {
    if (this.store === undefined || this.bootstrapped) return Promise.resolve(true);
    const { clock } = this.rt.options;
    return new Promise((resolve) => {
      const waiter = (ok: boolean) => {
        clock.clearTimeout(timer);
        this.bootstrapWaiters.delete(waiter);
        resolve(ok);
      };
      const timer = clock.setTimeout(() => waiter(false), timeoutMs);
      this.bootstrapWaiters.add(waiter);
    });
  }

  /**
   * Another instance took the session over (resume anywhere): this instance stops keeping its snapshot field
   * and publishes nothing, since the session lives on over there.
   */
  forget(session: Session): void {
    this.local.delete(session.id);
  }

  /**
   * Stops the sweeps and leaves the channel; a stopped instance knows no one. With no device left here the
   * liveness key goes at once; sessions handed over for a resume elsewhere keep it until it expires, so the
   * instance that resumes them takes their devices over before a sweep would take them down.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of [...this.bootstrapWaiters]) waiter(false);
    if (this.timer !== undefined) this.rt.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.node.close();
    this.replica = new PresenceReplica();
    if (this.local.size === 0) this.store?.forget(this.me).catch(() => {});
  }

  // ---- the channel ----

  private room(op: 'join' | 'leave', session: Session, roomId: string): void {
    const stored = this.local.get(session.id);
    if (stored !== undefined) {
      const rooms = new Set(stored.rooms);
      if (op === 'join') rooms.add(roomId);
      else rooms.delete(roomId);
      stored.rooms = [...rooms];
      this.write(stored);
    }
    this.publish({
      op,
      origin: this.me,
      at: this.rt.timestamp(),
      session: session.id,
      user_id: session.user.id,
      room: roomId,
    });
  }

  /** Keeps the device for refreshes and writes its field before the delta goes out (same connection). */
  private write(stored: StoredDevice): void {
    this.local.set(stored.session, stored);
    if (this.store === undefined) return;
    stored.expires_at = this.rt.options.clock.now() + this.ttlMs;
    this.store.put(stored);
  }

  private publish(delta: PresenceDelta): void {
    if (this.closed) return;
    let outbox = outboxes.get(this.backplane);
    if (outbox === undefined) {
      outbox = { queue: [], flushing: false };
      outboxes.set(this.backplane, outbox);
    }
    const message: BackplaneMessage = { type: 'presence.delta', body: JSON.stringify(delta), sequenced: false };
    outbox.queue.push({ node: this.node, message, from: this, delta });
    if (outbox.flushing) return;
    outbox.flushing = true;
    // A delivery may flush another backplane's outbox (gateways on two backplanes): that one's is restored after.
    const outer = delivering;
    try {
      for (let next = outbox.queue.shift(); next !== undefined; next = outbox.queue.shift()) {
        delivering = next;
        next.node.publish(PRESENCE_CHANNEL, next.message);
      }
    } finally {
      delivering = outer;
      outbox.flushing = false;
    }
  }

  private receive(message: BackplaneMessage): void {
    const delta =
      delivering?.message === message && delivering.from === this ? delivering.delta : parseDelta(message.body);
    if (delta === null) return;
    if (delta.origin !== this.me) this.lastHeard.set(delta.origin, this.rt.options.clock.now());
    if (delta.op === 'hello') {
      if (delta.origin === this.me && delta.nonce === this.nonce && this.loading) void this.load();
      return;
    }
    // Another instance is back from an outage and missed our changes meanwhile, as we missed its.
    if (delta.op === 'sync' && delta.reply && delta.origin !== this.me) this.publishSync(false);
    if (this.loading) {
      this.buffer.push(delta);
      if (this.buffer.length > MAX_BUFFERED_DELTAS) this.finishLoading(false);
      return;
    }
    this.apply(delta);
  }

  private apply(delta: PresenceDelta): void {
    const transitions = this.replica.apply(delta);
    if (this.closed) return;
    // A sync's transitions differ per table (each instance missed different changes): every instance tells
    // its own clients what changed for them.
    if (delta.op === 'sync') {
      for (const transition of transitions) this.announce(transition, true);
      return;
    }
    // Only the delta's origin tells clients, so each change is announced once, in the table's order.
    if (delta.origin !== this.me) return;
    for (const transition of transitions) this.announce(transition, false);
  }

  /** `here`: to this instance's own sessions only, not through the backplane. */
  private announce(transition: PresenceTransition, here: boolean): void {
    const exclude = { users: [transition.userId] };
    switch (transition.kind) {
      case 'presence':
        this.rt.publishPresence(transition.change, transition.userId, here);
        return;
      case 'room-join':
        this.rt.toRoom(
          transition.roomId,
          'presence.join',
          { room_id: transition.roomId, presence: transition.entry },
          exclude,
          undefined,
          here,
        );
        return;
      case 'room-leave':
        this.rt.toRoom(
          transition.roomId,
          'presence.leave',
          { room_id: transition.roomId, user_id: transition.userId },
          exclude,
          undefined,
          here,
        );
        return;
    }
  }

  /**
   * The backplane is back after an outage (or up for the first time): while it was down, this instance's
   * presence changes reached only its own table and the others' only theirs. Every device we hold goes out as
   * a sync, which also asks the others for theirs; the snapshot and liveness key are written again at once
   * (a restarted Redis has neither), and sweeps wait a TTL, so no live instance is taken for dead meanwhile.
   */
  private backplaneChanged(state: BackplaneState): void {
    if (state !== 'ok' || this.closed) return;
    this.sweepAfter = this.rt.options.clock.now() + this.ttlMs;
    void this.refresh();
    this.publishSync(true);
  }

  private publishSync(reply: boolean): void {
    const devices = [...this.local.values()].map(({ expires_at: _, ...snapshot }): DeviceSnapshot => snapshot);
    this.publish({ op: 'sync', origin: this.me, at: this.rt.timestamp(), devices, reply });
  }

  // ---- Redis: bootstrap, liveness, sweeper ----

  /** Subscribed already; a hello coming back proves the subscription is live, then the snapshot is read. */
  private startBootstrap(): void {
    this.loading = true;
    this.loadStartedAt = this.rt.options.clock.now();
    this.nonce = randomChars(this.rt.options.random, 12);
    this.publish({ op: 'hello', origin: this.me, nonce: this.nonce });
  }

  private async load(): Promise<void> {
    const store = this.store;
    if (store === undefined) return;
    const nonce = this.nonce;
    try {
      const devices = await store.load(this.rt.options.clock.now());
      if (nonce !== this.nonce || !this.loading) return;
      for (const device of devices) {
        // Our own fields are our sessions' business: only those still here count.
        if (device.node === this.me && !this.local.has(device.session)) continue;
        this.replica.load(device);
      }
      this.finishLoading(true);
    } catch (error) {
      this.rt.options.logger.warn({ err: error }, 'presence snapshot could not be loaded; retrying');
      if (nonce === this.nonce) this.finishLoading(false);
    }
  }

  /** Applies what arrived meanwhile (deltas are idempotent over the snapshot), in order. */
  private finishLoading(ok: boolean): void {
    this.loading = false;
    this.bootstrapped = ok;
    this.nonce = '';
    const buffered = this.buffer;
    this.buffer = [];
    for (const delta of buffered) this.apply(delta);
    if (ok) for (const waiter of [...this.bootstrapWaiters]) waiter(true);
  }

  private get periodMs(): number {
    return Math.max(1, Math.floor(this.ttlMs / 3));
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.rt.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.schedule();
      void this.tick();
    }, this.periodMs);
  }

  /** Liveness and fresh expiries, a missed bootstrap retried, our own devices re-announced if lost, a sweep. */
  private async tick(): Promise<void> {
    if (this.ticking || this.closed) return;
    this.ticking = true;
    try {
      if (this.loading && this.rt.options.clock.now() - this.loadStartedAt > this.ttlMs) this.finishLoading(false);
      if (!this.loading && !this.bootstrapped) this.startBootstrap();
      await this.refresh();
      if (!this.loading) this.reannounce();
      await this.sweep();
      if (!this.closed) await this.rt.rescueUnpublished((nodes) => this.gone(nodes));
    } catch (error) {
      this.rt.options.logger.debug({ err: error }, 'presence sweep failed');
    } finally {
      this.ticking = false;
    }
  }

  private async refresh(): Promise<void> {
    if (this.store === undefined) return;
    const expiresAt = this.rt.options.clock.now() + this.ttlMs;
    for (const stored of this.local.values()) stored.expires_at = expiresAt;
    try {
      await this.store.refresh(this.me, this.ttlMs, [...this.local.values()]);
    } catch (error) {
      this.rt.options.logger.debug({ err: error }, 'presence refresh failed');
    }
  }

  /** A device of ours the table lost (a sweep while we were cut off): announced again. */
  private reannounce(): void {
    for (const stored of [...this.local.values()]) {
      if (this.replica.has(stored.session)) continue;
      this.publish({
        op: 'up',
        origin: this.me,
        at: stored.updated_at,
        node: this.me,
        session: stored.session,
        user: stored.user,
        device: stored.device,
        ...(stored.data === undefined ? {} : { data: stored.data }),
      });
      for (const room of stored.rooms) {
        this.publish({
          op: 'join',
          origin: this.me,
          at: stored.updated_at,
          session: stored.session,
          user_id: stored.user.id,
          room,
        });
      }
    }
  }

  /**
   * Which of these instances are gone: no liveness key and not heard on the channel within a TTL. None in the
   * TTL after an outage, when live instances may not have rewritten their keys yet.
   */
  private async gone(nodes: readonly string[]): Promise<string[]> {
    const store = this.store;
    if (store === undefined) return [];
    const now = this.rt.options.clock.now();
    if (now < this.sweepAfter) return [];
    const heardLately = (node: string) => now - (this.lastHeard.get(node) ?? Number.NEGATIVE_INFINITY) < this.ttlMs;
    const candidates = nodes.filter((node) => node !== this.me && !heardLately(node));
    if (candidates.length === 0) return [];
    const alive = await store.alive(candidates);
    return candidates.filter((node) => !alive.has(node));
  }

  /** Devices of instances whose liveness key expired go down, announced by whoever holds the lock. */
  private async sweep(): Promise<void> {
    const store = this.store;
    if (store === undefined || this.loading) return;
    const dead = await this.gone(this.replica.nodes());
    if (dead.length === 0 || this.closed) return;
    if (!(await store.lock(this.me, this.periodMs))) return;
    for (const node of dead) {
      this.lastHeard.delete(node);
      const devices = this.replica.devicesOf(node);
      this.rt.options.logger.info(
        { node, devices: devices.length },
        'presence: instance gone, taking its devices down',
      );
      for (const { session, userId } of devices) {
        store.remove(userId, session);
        this.publish({ op: 'down', origin: this.me, at: this.rt.timestamp(), session, user_id: userId });
      }
    }
  }
}

/** This instance's devices (current) and the others' (from the table) as one entry. */
function merge(local: PresenceEntry | undefined, remote: PresenceEntry | undefined): PresenceEntry | undefined {
  if (remote === undefined) return local;
  if (local === undefined) return remote;
  const devices = [...local.devices, ...remote.devices];
  const newer = remote.updated_at > local.updated_at ? remote : local;
  const entry: PresenceEntry = {
    user_id: local.user_id,
    status: aggregateStatus(devices) ?? local.status,
    devices,
    updated_at: newer.updated_at,
  };
  const displayName = local.display_name ?? remote.display_name;
  if (displayName !== undefined) entry.display_name = displayName;
  const data = newer.data ?? local.data ?? remote.data;
  if (data !== undefined) entry.data = data;
  return entry;
}
