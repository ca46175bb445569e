import { type ClientFrameOf, type PreparedDispatch, sequenceDispatch } from '@gateway/protocol';
import type { ClientConnection } from '../core/client-connection';
import { type BackplaneMessage, type Channel, nodeChannel } from '../core/ports/backplane';
import type { TimerHandle } from '../core/ports/clock';
import type { Anchor, ChannelSpan, SessionRecord, SessionStore } from '../core/ports/session-store';
import type { Runtime } from '../core/runtime';
import { Session } from '../core/session';
import { comparePositions } from './positions';
import { MARKER_TYPE, pickAnchor, rebuildDispatches } from './rebuild';

/** Word on `node:{old}` that another instance took a session over. */
export const HANDOVER_TYPE = 'gateway.handover';
/** Anchors are taken and records written at most this often while events flow. */
const SWEEP_MS = 1_000;
/** A marker not back by then is taken as lost (Redis trouble): the session stays unanchored and tries again. */
const MARKER_DEADLINE_MS = 5_000;
/** Anchors kept per session: a client that fell this many sweeps behind can still be rebuilt. */
const MAX_ANCHORS = 16;
/** Stream entries a rebuild may read (the stream is capped near 100 000 by default). */
const MAX_SCAN = 250_000;

type Dispatch = PreparedDispatch & { readonly position?: string };

/**
 * One session's side of the stream. `channels` and `anchors` cover one stretch in which every dispatch the
 * session numbered was a stream entry on one of those channels; anything else (a dispatch the stream never
 * saw, a Redis outage that may have lost pub/sub traffic, a new subscription) ends the stretch, and a fresh
 * marker starts the next one.
 */
interface Track {
  channels: Map<Channel, ChannelSpan> | undefined;
  anchors: Anchor[];
  /** The marker that will start the next stretch. */
  marker: { token: string; at: number } | undefined;
  /** Being rebuilt here: no hooks until it is done. */
  rebuilding: boolean;
  dirty: boolean;
  writtenAt: number;
}

/**
 * Resume on any instance (docs/scale-out.md). The holder keeps, per session, when each channel reached it
 * (stream positions learned from markers) and anchors `{seq, pos}`, and writes them to `{prefix}session:{id}`.
 * Another instance rebuilds the session from the newest anchor the client can use: the stream entries after
 * it that the delivery rule lets through, numbered on from the anchor's seq — the numbers the old holder gave.
 */
export class ResumeAnywhere {
  private readonly tracks = new Map<string, Track>();
  private readonly markers = new Map<string, (position: string | undefined) => void>();
  private readonly ownChannel: Channel;
  private readonly serverId: string;
  /** The newest stream position this instance has received: every entry up to it on its channels is in. */
  private position: string | undefined;
  private backplaneSince: number | undefined;
  private sweepTimer: TimerHandle | undefined;
  private flushQueued = false;
  private nextToken = 0;
  private closed = false;

  constructor(
    private readonly rt: Runtime,
    private readonly store: SessionStore,
  ) {
    this.serverId = rt.options.serverId;
    this.ownChannel = nodeChannel(this.serverId);
    const status = rt.fanout.status();
    if (status.state === 'ok') this.backplaneSince = status.since;
    rt.fanout.observe((channel, message) => this.observe(channel, message));
    rt.fanout.watch(this.ownChannel);
    this.scheduleSweep();
  }

  private get ttlMs(): number {
    return this.rt.options.resumeWindowMs + 2 * SWEEP_MS;
  }

  /** A session got a connection: a new one starts its first stretch. */
  attached(session: Session): void {
    if (this.closed || this.tracks.has(session.id)) return;
    const track: Track = {
      channels: undefined,
      anchors: [],
      marker: undefined,
      rebuilding: false,
      dirty: true,
      writtenAt: 0,
    };
    this.tracks.set(session.id, track);
    session.gate = (dispatch) => this.gate(track, dispatch);
    this.restart(session, track);
  }

  /** A new room: its channel reaches the session from a marker on, so a new stretch starts there. */
  joined(session: Session): void {
    const track = this.tracks.get(session.id);
    if (track === undefined || track.rebuilding) return;
    this.restart(session, track);
  }

  /** A room left: its span ends at this instance's position, exactly where the session stopped hearing it. */
  left(session: Session, roomId: string): void {
    const track = this.tracks.get(session.id);
    if (track?.channels === undefined || track.rebuilding || !this.backplaneClean()) return;
    const channel: Channel = `room:${roomId}`;
    const span = track.channels.get(channel);
    if (span === undefined || this.position === undefined) return;
    track.channels.set(channel, { from: span.from, to: this.position });
    this.anchor(session, track);
    this.flushSoon();
  }

  detached(session: Session): void {
    const track = this.tracks.get(session.id);
    if (track === undefined || track.rebuilding) return;
    if (this.backplaneClean()) this.anchor(session, track);
    this.flushSoon();
  }

  /** The session is over for good: its record goes too (unless another instance holds it by now). */
  ended(session: Session): void {
    if (!this.tracks.delete(session.id)) return;
    session.gate = undefined;
    this.store.remove(session.id, this.serverId).catch((error: unknown) => {
      this.rt.options.logger.warn({ err: error, session_id: session.id }, 'could not remove a session record');
    });
  }

  /**
   * The process is going away: exact anchors for every session, written before it closes; then the sessions
   * are forgotten quietly, for their clients to resume on another instance.
   */
  async releaseAll(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer !== undefined) this.rt.options.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    const clean = this.backplaneClean();
    const records: Array<{ id: string; record: SessionRecord }> = [];
    for (const [id, track] of this.tracks) {
      const session = this.rt.sessions.get(id);
      if (session === undefined || track.rebuilding) continue;
      if (clean) this.anchor(session, track);
      records.push({ id, record: this.record(session, track) });
    }
    for (const session of [...this.rt.sessions.values()]) this.forget(session);
    try {
      await this.store.write(records, this.serverId, this.ttlMs);
    } catch (error) {
      this.rt.options.logger.warn({ err: error, sessions: records.length }, 'could not write session anchors at stop');
    }
  }

  /**
   * `resume` for a session this instance does not have. Answers the connection either way: the rebuilt
   * dispatches then `resumed`, or `invalid_session`.
   */
  async resume(
    connection: ClientConnection,
    frame: ClientFrameOf<'resume'>,
    userId: string | undefined,
    expiresAt: number | undefined,
  ): Promise<void> {
    const { rt } = this;
    const { session_id: sessionId, seq } = frame.payload;
    const refuse = (reason: string) => {
      rt.counters.resumesRefused += 1;
      connection.state = 'pre_identify';
      connection.send('invalid_session', { resumable: false, reason }, frame.ref);
      rt.options.logger.debug({ session_id: sessionId, reason }, 'resume refused');
    };
    const gone = 'The session has ended (or never existed); identify afresh.';
    let stored: Awaited<ReturnType<SessionStore['read']>>;
    let first: string | undefined;
    try {
      stored = await this.store.read(sessionId);
      first = stored === undefined ? undefined : await this.store.firstPosition();
    } catch (error) {
      rt.options.logger.warn({ err: error, session_id: sessionId }, 'could not read a session record');
      stored = undefined;
    }
    if (connection.state !== 'identifying') return;
    if (stored === undefined || this.closed || rt.sessions.has(sessionId)) return refuse(gone);
    const { record } = stored;
    if (userId !== undefined && userId !== record.user.id) {
      return refuse("The token's user is not the session's user; identify afresh.");
    }
    const anchor = pickAnchor(record.anchors, seq);
    if (anchor === undefined) return refuse(`The session cannot be rebuilt back to seq ${seq} here; identify afresh.`);
    if (first === undefined || comparePositions(first, anchor.pos) > 0) {
      return refuse('The events stream no longer reaches back to this session; identify afresh.');
    }
    if (!rt.lifecycle.makeRoomFor(record.user.id)) {
      rt.lifecycle.close(
        connection,
        'too_many_connections',
        `At most ${rt.options.maxConnectionsPerUser} connections per user.`,
      );
      return;
    }
    let claimed: Awaited<ReturnType<SessionStore['claim']>>;
    try {
      claimed = await this.store.claim(sessionId, this.serverId, this.ttlMs);
    } catch {
      claimed = undefined;
    }
    if (!stillWaiting(connection)) return;
    if (claimed === undefined || rt.sessions.has(sessionId)) return refuse(gone);
    if (claimed.previous !== undefined && claimed.previous !== this.serverId) {
      rt.fanout.publish(nodeChannel(claimed.previous), HANDOVER_TYPE, { session_id: sessionId }, false);
    }

    // A look at the backplane now, so that the one after the marker asks only whether it broke during this
    // rebuild: left to the sweep, a recovery before the rebuild (seen by no look yet) would refuse it.
    this.backplaneClean();

    // Live dispatches up to the marker come from the stream instead; later ones wait until it is read.
    const session = new Session(sessionId, record.user, record.device_id, record.device_type, rt.options);
    const held: Dispatch[] = [];
    let marker: string | undefined;
    let broken = false;
    session.gate = (dispatch) => {
      if (dispatch.position === undefined) broken = true;
      else if (marker !== undefined && comparePositions(dispatch.position, marker) > 0) held.push(dispatch);
      return false;
    };
    const track: Track = {
      channels: undefined,
      anchors: [],
      marker: undefined,
      rebuilding: true,
      dirty: true,
      writtenAt: 0,
    };
    this.tracks.set(sessionId, track);
    rt.sessions.set(sessionId, session);
    rt.register(session, 'online');
    for (const [channel, span] of Object.entries(record.channels)) {
      if (span.to === undefined && channel.startsWith('room:')) rt.joinRoom(session, channel.slice(5));
    }
    const abandon = (reason: string) => {
      // The record stays as it was (now naming this instance): a later resume may rebuild it again.
      this.tracks.delete(sessionId);
      this.forget(session);
      if (stillWaiting(connection)) refuse(reason);
    };
    // `marker` is set within the delivery that brings it, so the very next dispatch is already held.
    await new Promise<void>((resolve) => {
      this.marker(`${this.serverId}:${++this.nextToken}`, (position) => {
        marker = position;
        resolve();
      });
    });
    if (marker === undefined || !this.backplaneClean()) return abandon('Redis is unreachable; try again.');
    let entries: Awaited<ReturnType<SessionStore['range']>>;
    try {
      entries = await this.store.range(anchor.pos, marker, MAX_SCAN);
    } catch {
      entries = undefined;
    }
    if (session.ended) return;
    if (entries === undefined || broken) return abandon('The session could not be rebuilt; identify afresh.');

    // Synchronous from here to `resumed`: no live dispatch can come between.
    session.gate = undefined;
    session.startAt(anchor.seq);
    for (const { message } of rebuildDispatches(entries, record.channels, anchor, sessionId, record.user.id)) {
      session.dispatch(message);
    }
    const from = marker;
    track.channels = new Map(this.channelsOf(session).map((channel) => [channel, { from }]));
    track.anchors = [{ seq: session.lastSeq, pos: from }];
    for (const dispatch of held) session.dispatch(dispatch);
    track.rebuilding = false;
    session.gate = (dispatch) => this.gate(track, dispatch);
    this.flushSoon();

    const missed = seq > session.lastSeq ? undefined : session.replay.since(seq);
    if (missed === undefined) {
      if (stillWaiting(connection)) refuse(`The session cannot be resumed from seq ${seq}; identify afresh.`);
      rt.lifecycle.end(session);
      return;
    }
    const waiting = stillWaiting(connection);
    rt.lifecycle.attach(session, connection);
    if (!waiting) {
      // The client went away during the rebuild: the session waits here for a resume, like any other.
      rt.lifecycle.lost(connection, true);
      return;
    }
    session.trimReplay(seq);
    for (const entry of missed) connection.write(sequenceDispatch(entry.prepared, entry.seq));
    connection.send('resumed', { session_id: sessionId, replayed: missed.length }, frame.ref);
    rt.authExpiry.set(connection, expiresAt);
    rt.counters.resumesOk += 1;
    rt.counters.replayedEvents += missed.length;
    rt.options.logger.debug(
      { session_id: sessionId, replayed: missed.length, from: stored.holder },
      'resumed a session from another instance',
    );
  }

  private observe(channel: Channel, message: BackplaneMessage): boolean {
    if (message.position !== undefined) this.position = message.position;
    if (channel !== this.ownChannel) return false;
    const payload = readPayload(message);
    if (message.type === MARKER_TYPE && typeof payload.token === 'string') {
      const arrived = this.markers.get(payload.token);
      this.markers.delete(payload.token);
      arrived?.(message.position);
    } else if (message.type === HANDOVER_TYPE && typeof payload.session_id === 'string') {
      const session = this.rt.sessions.get(payload.session_id);
      if (session !== undefined && this.tracks.get(session.id)?.rebuilding !== true) this.forget(session);
    }
    // Nothing on an instance's own channel is for its clients.
    return true;
  }

  private gate(track: Track, dispatch: Dispatch): boolean {
    // A dispatch the stream never saw (degraded delivery, a frame to one session): numbering left the stream.
    if (dispatch.position === undefined && track.channels !== undefined) this.breakStretch(track);
    return true;
  }

  private breakStretch(track: Track): void {
    track.channels = undefined;
    track.anchors = [];
    track.dirty = true;
  }

  /** Ends the session's stretch and starts the next one at a fresh marker. */
  private restart(session: Session, track: Track): void {
    this.breakStretch(track);
    const token = `${this.serverId}:${++this.nextToken}`;
    track.marker = { token, at: this.rt.options.clock.now() };
    // Synchronously as the marker arrives: a dispatch right behind it (same read) must not count before it.
    this.marker(token, (position) => {
      if (track.marker?.token !== token) return;
      track.marker = undefined;
      if (position === undefined || session.ended || !this.backplaneClean()) return;
      track.channels = new Map(this.channelsOf(session).map((channel) => [channel, { from: position }]));
      track.anchors = [{ seq: session.lastSeq, pos: position }];
      track.dirty = true;
      this.flushSoon();
    });
  }

  /**
   * Publishes a marker on this instance's channel (after this turn's subscriptions: the backplane holds a
   * publish until they are confirmed); `arrived` runs as it comes back, within the delivery, with its stream
   * position (undefined if it came back without one or not at all).
   */
  private marker(token: string, arrived: (position: string | undefined) => void): void {
    const { clock } = this.rt.options;
    const deadline = clock.setTimeout(() => {
      if (this.markers.delete(token)) arrived(undefined);
    }, MARKER_DEADLINE_MS);
    this.markers.set(token, (position) => {
      clock.clearTimeout(deadline);
      arrived(position);
    });
    queueMicrotask(() => this.rt.fanout.publish(this.ownChannel, MARKER_TYPE, { token }, true));
  }

  /** Newest anchor: the session's seq now, at this instance's position now. */
  private anchor(session: Session, track: Track): void {
    if (track.channels === undefined || this.position === undefined) return;
    const next = { seq: session.lastSeq, pos: this.position };
    const last = track.anchors.at(-1);
    if (last !== undefined && last.seq === next.seq && last.pos === next.pos) return;
    if (last !== undefined && last.seq === next.seq) track.anchors[track.anchors.length - 1] = next;
    else track.anchors.push(next);
    if (track.anchors.length > MAX_ANCHORS) track.anchors.shift();
    track.dirty = true;
  }

  /**
   * Whether the backplane has been up without a break since the last look. A break may have lost pub/sub
   * traffic the stream still has, so every session's stretch ends and starts over at a new marker.
   */
  private backplaneClean(): boolean {
    const status = this.rt.fanout.status();
    if (status.state === 'ok' && status.since === this.backplaneSince) return true;
    for (const track of this.tracks.values()) if (!track.rebuilding) this.breakStretch(track);
    this.backplaneSince = status.state === 'ok' ? status.since : undefined;
    return false;
  }

  private channelsOf(session: Session): Channel[] {
    return ['all', `user:${session.user.id}`, ...[...session.rooms].map((roomId): Channel => `room:${roomId}`)];
  }

  private record(session: Session, track: Track): SessionRecord {
    return {
      v: 1,
      user: session.user,
      device_id: session.deviceId,
      device_type: session.deviceType,
      channels: Object.fromEntries(track.channels ?? []),
      anchors: track.channels === undefined ? [] : [...track.anchors],
    };
  }

  /** Another instance has the session now: forget it here without a word to anyone (it lives on there). */
  private forget(session: Session): void {
    this.tracks.delete(session.id);
    session.gate = undefined;
    this.rt.lifecycle.handOver(session);
  }

  private scheduleSweep(): void {
    if (this.closed) return;
    this.sweepTimer = this.rt.options.clock.setTimeout(() => {
      this.sweepTimer = undefined;
      this.sweep();
      this.scheduleSweep();
    }, SWEEP_MS);
  }

  /** Anchors for sessions events reached since the last sweep, new stretches where one broke, one write. */
  private sweep(): void {
    const clean = this.backplaneClean();
    const now = this.rt.options.clock.now();
    for (const [id, track] of this.tracks) {
      const session = this.rt.sessions.get(id);
      if (session === undefined || track.rebuilding) continue;
      if (track.channels !== undefined) {
        if (clean && session.lastSeq !== track.anchors.at(-1)?.seq) this.anchor(session, track);
      } else if (this.rt.fanout.status().state === 'ok') {
        if (track.marker === undefined || now - track.marker.at > MARKER_DEADLINE_MS) this.restart(session, track);
      }
    }
    this.flush();
  }

  private flushSoon(): void {
    if (this.flushQueued || this.closed) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** One pipeline for every record that changed, or that has not been refreshed for a third of its TTL. */
  private flush(): void {
    if (this.closed) return;
    const now = this.rt.options.clock.now();
    const due: Array<{ id: string; record: SessionRecord }> = [];
    for (const [id, track] of this.tracks) {
      const session = this.rt.sessions.get(id);
      if (session === undefined || track.rebuilding) continue;
      if (!track.dirty && now - track.writtenAt < this.ttlMs / 3) continue;
      track.dirty = false;
      track.writtenAt = now;
      due.push({ id, record: this.record(session, track) });
    }
    if (due.length === 0) return;
    this.store.write(due, this.serverId, this.ttlMs).then(
      (written) => {
        written.forEach((ok, i) => {
          const id = due[i]?.id;
          const session = id === undefined ? undefined : this.rt.sessions.get(id);
          // Another instance took it while word of that was lost: let it go now.
          if (!ok && session !== undefined) this.forget(session);
        });
      },
      (error: unknown) => {
        for (const { id } of due) {
          const track = this.tracks.get(id);
          if (track !== undefined) track.dirty = true;
        }
        this.rt.options.logger.debug({ err: error, sessions: due.length }, 'could not write session records');
      },
    );
  }
}

/** Read through a call: the connection's state changes while the rebuild awaits. */
function stillWaiting(connection: ClientConnection): boolean {
  return connection.state === 'identifying';
}

function readPayload(message: BackplaneMessage): Record<string, unknown> {
  try {
    const frame = JSON.parse(`{${message.body}`) as { payload?: unknown };
    return typeof frame.payload === 'object' && frame.payload !== null
      ? (frame.payload as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
