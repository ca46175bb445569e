import { sampleLimits } from '../../protocol/src/testing/frame-samples';
import { type ClientOptions, createClient, type WebSocketConstructor, type WebSocketLike } from '../src/index';
import { ManualClock } from './manual-clock';

/**
 * An in-memory WebSocket for state-machine tests: no network, no timers. The test plays the server:
 * `accept()` opens the socket, `deliver()` sends it a frame, `drop()` closes it from the server side.
 */
export class FakeSocket implements WebSocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  /** Every frame the client sent, parsed. */
  readonly sent: { type: string; payload?: Record<string, unknown>; ref?: string }[] = [];
  closedWith: { code: number | undefined; reason: string | undefined } | undefined;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.closedWith !== undefined) throw new Error('send after close');
    this.sent.push(JSON.parse(data));
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }

  accept(): void {
    this.onopen?.({});
  }

  deliver(frame: object | string): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  /** Delivers `data` as the socket would hand it over: any text, binary (ArrayBuffer, Uint8Array), anything. */
  deliverRaw(data: unknown): void {
    this.onmessage?.({ data });
  }

  drop(code: number, reason = ''): void {
    this.onclose?.({ code, reason });
  }

  sentOfType(type: string) {
    return this.sent.filter((frame) => frame.type === type);
  }
}

/** Records every socket a client opens; pass `network.WebSocket` as the client's `WebSocket` option. */
export class FakeNetwork {
  readonly sockets: FakeSocket[] = [];
  readonly WebSocket: WebSocketConstructor;

  constructor() {
    const sockets = this.sockets;
    this.WebSocket = class extends FakeSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    };
  }

  get last(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (socket === undefined) throw new Error('no socket was opened');
    return socket;
  }
}

export const hello = (heartbeatInterval = 30_000) => ({
  type: 'hello',
  payload: {
    protocol_version: 1,
    heartbeat_interval: heartbeatInterval,
    resume_window_ms: 120_000,
    limits: sampleLimits,
  },
});

export const ready = (sessionId = 's1', userId = 'alice', subscriptions: string[] = []) => ({
  type: 'ready',
  payload: { session_id: sessionId, user: { id: userId }, device_id: 'd1', subscriptions, presence: [] },
});

/** A room message from bob in r1, as the scripted server delivers it. */
export const chatMessage = (seq: number, content = `m${seq}`) => ({
  type: 'chat.message',
  seq,
  payload: {
    message_id: `id${seq}`,
    room_id: 'r1',
    sender_id: 'bob',
    kind: 'text',
    content,
    created_at: '2025-01-01T00:00:00.000Z',
  },
});

/** Lets pending promise callbacks (getToken, then-chains) run; touches no timers. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A client on an in-memory network and a manual clock, as every scripted-socket test starts: user alice,
 * random() = 0 (each reconnect at exactly minDelayMs) unless the options say otherwise.
 */
export function fakeClient(options: Partial<ClientOptions> = {}) {
  const clock = new ManualClock();
  const network = new FakeNetwork();
  const client = createClient({
    url: 'ws://fake',
    userId: 'alice',
    WebSocket: network.WebSocket,
    clock,
    random: () => 0,
    ...options,
  });
  return { client, clock, network };
}
