import { type DeviceType, type PreparedDispatch, sequenceDispatch, type User } from '@gateway/protocol';
import { BadInputPolicy } from './bad-input';
import type { TimerHandle } from './clock';
import type { Connection } from './connection';
import type { ResolvedOptions } from './options';
import { ReplayBuffer } from './replay-buffer';

/** pre_identify → identifying (token being verified) → ready → closed. */
export type SessionState = 'pre_identify' | 'identifying' | 'ready' | 'closed';

export interface FrameCounters {
  framesIn: number;
  framesOut: number;
}

/**
 * One connection and, in issue 2, its session (sessions do not outlive connections yet): state, identity,
 * rooms, the per-session seq and the replay buffer of what was sent.
 */
export class Session {
  state: SessionState = 'pre_identify';
  user: User | undefined;
  deviceId = '';
  deviceType: DeviceType = 'other';
  readonly rooms = new Set<string>();
  /** Last time any frame arrived; the heartbeat sweep reads it. */
  lastHeardAt: number;
  /** True once the sweep has sent a heartbeat for the current silence. */
  pinged = false;
  identifyTimer: TimerHandle | undefined;
  readonly replay: ReplayBuffer;
  readonly badInput: BadInputPolicy;
  private seq = 0;
  private readonly maxBufferedBytes: number;

  constructor(
    readonly id: string,
    private readonly connection: Connection,
    options: ResolvedOptions,
    private readonly counters: FrameCounters,
    /** Called when the socket's unsent bytes pass the limit; the gateway closes it 4003. */
    private readonly onOverflow: (session: Session) => void,
  ) {
    this.lastHeardAt = options.clock.now();
    this.replay = new ReplayBuffer(options.replayBufferEvents, options.replayBufferBytes);
    this.badInput = new BadInputPolicy(options.badFrameLimit, options.badFrameWindowMs);
    this.maxBufferedBytes = options.maxBufferedBytes;
  }

  get lastSeq(): number {
    return this.seq;
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** Sends a dispatch with this session's next seq and keeps it for replay. */
  dispatch(prepared: PreparedDispatch): void {
    if (this.state !== 'ready') return;
    this.seq += 1;
    const text = sequenceDispatch(prepared, this.seq);
    this.replay.push({ seq: this.seq, type: prepared.type, text });
    this.write(text);
  }

  /** Sends an unsequenced frame (reply, control, ephemeral). */
  send(type: string, payload: unknown, ref?: string): void {
    this.write(JSON.stringify(ref === undefined ? { type, payload } : { type, payload, ref }));
  }

  write(text: string): void {
    if (this.state === 'closed') return;
    this.connection.send(text);
    this.counters.framesOut += 1;
    const buffered = this.connection.bufferedAmount;
    if (buffered !== undefined && buffered > this.maxBufferedBytes) this.onOverflow(this);
  }

  /** Marks the session closed and closes the socket; the caller has sent goodbye and cleans up state. */
  closeSocket(code: number, reason: string): void {
    this.state = 'closed';
    this.connection.close(code, reason);
  }
}
