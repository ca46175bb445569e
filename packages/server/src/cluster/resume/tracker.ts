import type { Fanout } from '../../core/delivery/fanout';
import type { SessionHooks } from '../../core/hooks';
import { type BackplaneMessage, type Channel, nodeChannel, sessionChannels } from '../../core/ports/backplane';
import type { Clock, TimerHandle } from '../../core/ports/clock';
import type { Logger } from '../../core/ports/logger';
import type { ChannelSpan, SessionRecord, SessionStore } from '../../core/ports/session-store';
import type { Session, SessionDispatch } from '../../core/session';
import { payloadFields } from '../payload';
import { endOfTurn, takeDue, type WriteMark } from '../record-writes';
import { MARKER_DEADLINE_MS, Markers } from './markers';
import { MARKER_TYPE } from './rebuild';

/** Word on `node:{old}` that another instance took a session over. */
export const HANDOVER_TYPE = 'gateway.handover';
/** Anchors are taken and records written at most this often while events flow. */
export const SWEEP_MS = 1_000;
/** Anchors kept per session: a client that fell this many sweeps behind can still be rebuilt. */
const MAX_ANCHORS = 16;

/**
 * One session's side of the stream. `channels` and `anchors` cover one stretch in which every dispatch the
 * session numbered was a stream entry on one of those channels; anything else (a dispatch the stream never
 * saw, a backplane outage that may have lost pub/sub traffic, a new subscription) ends the stretch, and a
 * fresh marker starts the next one.
 */
interface Track extends WriteMark {
  channels: Map<Channel, ChannelSpan> | undefined;
  anchors: Array<{ seq: number; pos: string }>;
  /** The marker that will start the next stretch. */
  marker: { token: string; at: number } | undefined;
  /** Being rebuilt here: no hooks until it is done. */
  rebuilding: boolean;
  /** The position from which the session was away (its presence events not numbered), while it is. */
  awayFrom: string | undefined;
}

function newTrack(rebuilding: boolean): Track {
  return {
    channels: undefined,
    anchors: [],
    marker: undefined,
    rebuilding,
    awayFrom: undefined,
    dirty: true,
    writtenAt: 0,
  };
}

export interface TrackerOptions {
  readonly serverId: string;
  readonly store: SessionStore;
  readonly fanout: Pick<Fanout, 'publish' | 'watch' | 'status' | 'intercept'>;
  /** This instance's live sessions. */
  readonly session: (sessionId: string) => Session | undefined;
  /** Another instance has the session now: it is forgotten here without a word to anyone. */
  readonly handOver: (session: Session) => void;
  /** Counts a session another instance took over. */
  readonly movedOut: () => void;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Records live this long past their last write: the resume window plus two sweeps. */
  readonly recordTtlMs: number;
}

/**
 * Follows every local session's place in the events stream (docs/scale-out.md, "Resume on any instance"):
 * when each channel reached it (stream positions learned from markers) and anchors `{seq, pos}`, written to
 * the session's record, so that another instance can rebuild the session from the stream.
 */
export class StreamTracker implements SessionHooks {
  readonly markers: Markers;
  private readonly tracks = new Map<string, Track>();
  private readonly ownChannel: Channel;
  /** The newest stream position this instance has received: every entry up to it on its channels is in. */
  private position: string | undefined;
  private backplaneSince: number | undefined;
  private sweepTimer: TimerHandle | undefined;
  private readonly flushSoon = endOfTurn(() => this.flush());
  private closed = false;

  constructor(private readonly options: TrackerOptions) {
    const { fanout, serverId, clock } = options;
    this.ownChannel = nodeChannel(serverId);
    this.markers = new Markers(serverId, fanout, clock);
    const status = fanout.status();
    if (status.state === 'ok') this.backplaneSince = status.since;
    fanout.intercept((channel, message) => this.observe(channel, message));
    fanout.watch(this.ownChannel);
    this.scheduleSweep();
  }

  // ---- hooks ----

  /** A session got a connection: a new one starts its first stretch. */
  attached(session: Session): void {
    const resumed = this.tracks.get(session.id);
    if (resumed !== undefined && resumed.awayFrom !== undefined && !resumed.rebuilding) {
      // Back: presence is numbered again. What it missed went out as dispatches the stream never saw (which
      // ended the stretch) or there was none, and then the anchors need no away position.
      resumed.awayFrom = undefined;
      resumed.dirty = true;
      this.flushSoon();
    }
    if (this.closed || resumed !== undefined) return;
    const track = newTrack(false);
    this.tracks.set(session.id, track);
    session.gateWith((dispatch) => this.gate(track, dispatch));
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
    if (this.backplaneClean()) {
      this.anchor(session, track);
      // From here on the holder numbers no presence event for it: a rebuild must skip them too.
      if (track.channels !== undefined) {
        track.awayFrom = this.position;
        track.dirty = true;
      }
    }
    this.flushSoon();
  }

  /** The session is over for good: its record goes too (unless another instance holds it by now). */
  ended(session: Session): void {
    if (!this.tracks.delete(session.id)) return;
    session.gateWith(undefined);
    this.options.store.remove(session.id, this.options.serverId).catch((error: unknown) => {
      this.options.logger.warn({ err: error, session_id: session.id }, 'could not remove a session record');
    });
  }

  // ---- a rebuild from another instance (the executor drives it) ----

  /** The session is being rebuilt here: hooks ignore it, and live dispatches go to `gate` until it is done. */
  beginRebuild(session: Session, gate: (dispatch: SessionDispatch) => boolean): void {
    this.tracks.set(session.id, newTrack(true));
    session.gateWith(gate);
  }

  /** Rebuilt and numbered up to `marker`: its first stretch starts there. */
  completeRebuild(session: Session, marker: string): void {
    const track = this.tracks.get(session.id);
    if (track === undefined) return;
    track.channels = new Map(
      sessionChannels(session.user.id, session.rooms).map((channel) => [channel, { from: marker }]),
    );
    track.anchors = [{ seq: session.lastSeq, pos: marker }];
    track.rebuilding = false;
    session.gateWith((dispatch) => this.gate(track, dispatch));
    this.flushSoon();
  }

  /** The rebuild failed: the session is forgotten here; its record stays (naming this instance) for a later try. */
  abandonRebuild(session: Session): void {
    this.forget(session);
  }

  /**
   * Whether the backplane has been up without a break since the last look. A break may have lost pub/sub
   * traffic the stream still has, so every session's stretch ends and starts over at a new marker.
   */
  backplaneClean(): boolean {
    const status = this.options.fanout.status();
    if (status.state === 'ok' && status.since === this.backplaneSince) return true;
    for (const track of this.tracks.values()) if (!track.rebuilding) this.breakStretch(track);
    this.backplaneSince = status.state === 'ok' ? status.since : undefined;
    return false;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * The process is going away: exact anchors for every session, written before it closes; then the sessions
   * are forgotten quietly, for their clients to resume on another instance.
   */
  async releaseAll(sessions: readonly Session[]): Promise<void> {
    this.closed = true;
    if (this.sweepTimer !== undefined) this.options.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    const clean = this.backplaneClean();
    const records: Array<{ id: string; record: SessionRecord }> = [];
    for (const [id, track] of this.tracks) {
      const session = this.options.session(id);
      if (session === undefined || track.rebuilding) continue;
      if (clean) this.anchor(session, track);
      records.push({ id, record: this.record(session, track) });
    }
    for (const session of sessions) this.forget(session);
    try {
      await this.options.store.write(records, this.options.serverId, this.options.recordTtlMs);
    } catch (error) {
      this.options.logger.warn({ err: error, sessions: records.length }, 'could not write session anchors at stop');
    }
  }

  // ---- the backplane ----

  private observe(channel: Channel, message: BackplaneMessage): boolean {
    if (message.position !== undefined) this.position = message.position;
    if (channel !== this.ownChannel) return false;
    const payload = payloadFields(message);
    if (message.type === MARKER_TYPE && typeof payload.token === 'string') {
      this.markers.arrived(payload.token, message.position);
    } else if (message.type === HANDOVER_TYPE && typeof payload.session_id === 'string') {
      const session = this.options.session(payload.session_id);
      if (session !== undefined && this.tracks.get(session.id)?.rebuilding !== true) this.tookOver(session);
    }
    // Nothing on an instance's own channel is for its clients.
    return true;
  }

  private gate(track: Track, dispatch: SessionDispatch): boolean {
    // A dispatch the stream never saw (degraded delivery, a frame to one session): numbering left the stream.
    if (dispatch.position === undefined && track.channels !== undefined) this.breakStretch(track);
    return true;
  }

  // ---- stretches and anchors ----

  private breakStretch(track: Track): void {
    track.channels = undefined;
    track.anchors = [];
    track.awayFrom = undefined;
    track.dirty = true;
  }

  /** Ends the session's stretch and starts the next one at a fresh marker. */
  private restart(session: Session, track: Track): void {
    this.breakStretch(track);
    // Synchronously as the marker arrives: a dispatch right behind it (same read) must not count before it.
    const token = this.markers.place((position) => {
      if (track.marker?.token !== token) return;
      track.marker = undefined;
      if (position === undefined || session.ended || !this.backplaneClean()) return;
      track.channels = new Map(
        sessionChannels(session.user.id, session.rooms).map((channel) => [channel, { from: position }]),
      );
      track.anchors = [{ seq: session.lastSeq, pos: position }];
      track.awayFrom = session.away ? position : undefined;
      track.dirty = true;
      this.flushSoon();
    });
    track.marker = { token, at: this.options.clock.now() };
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

  private record(session: Session, track: Track): SessionRecord {
    return {
      v: 1,
      user: session.user,
      device_id: session.deviceId,
      device_type: session.deviceType,
      channels: Object.fromEntries(track.channels ?? []),
      anchors: track.channels === undefined ? [] : [...track.anchors],
      ...(track.channels === undefined || track.awayFrom === undefined ? {} : { away_from: track.awayFrom }),
    };
  }

  /** Another instance took the session over. */
  private tookOver(session: Session): void {
    this.forget(session);
    this.options.movedOut();
  }

  /** Another instance has the session now: forget it here without a word to anyone (it lives on there). */
  private forget(session: Session): void {
    this.tracks.delete(session.id);
    session.gateWith(undefined);
    this.options.handOver(session);
  }

  private scheduleSweep(): void {
    if (this.closed) return;
    this.sweepTimer = this.options.clock.setTimeout(() => {
      this.sweepTimer = undefined;
      this.sweep();
      this.scheduleSweep();
    }, SWEEP_MS);
  }

  /** Anchors for sessions events reached since the last sweep, new stretches where one broke, one write. */
  private sweep(): void {
    const clean = this.backplaneClean();
    const now = this.options.clock.now();
    for (const [id, track] of this.tracks) {
      const session = this.options.session(id);
      if (session === undefined || track.rebuilding) continue;
      if (track.channels !== undefined) {
        if (clean && session.lastSeq !== track.anchors.at(-1)?.seq) this.anchor(session, track);
      } else if (this.options.fanout.status().state === 'ok') {
        if (track.marker === undefined || now - track.marker.at > MARKER_DEADLINE_MS) this.restart(session, track);
      }
    }
    this.flush();
  }

  /** One pipeline for every record that changed, or that has not been refreshed for a third of its TTL. */
  private flush(): void {
    if (this.closed) return;
    const { clock, store, serverId, recordTtlMs, logger } = this.options;
    const now = clock.now();
    const due: Array<{ id: string; record: SessionRecord }> = [];
    for (const [id, track] of this.tracks) {
      const session = this.options.session(id);
      if (session === undefined || track.rebuilding || !takeDue(track, now, recordTtlMs)) continue;
      due.push({ id, record: this.record(session, track) });
    }
    if (due.length === 0) return;
    store.write(due, serverId, recordTtlMs).then(
      (written) => {
        written.forEach((ok, i) => {
          const id = due[i]?.id;
          const session = id === undefined ? undefined : this.options.session(id);
          // Another instance took it while word of that was lost: let it go now.
          if (!ok && session !== undefined) this.tookOver(session);
        });
      },
      (error: unknown) => {
        for (const { id } of due) {
          const track = this.tracks.get(id);
          if (track !== undefined) track.dirty = true;
        }
        logger.debug({ err: error, sessions: due.length }, 'could not write session records');
      },
    );
  }
}
