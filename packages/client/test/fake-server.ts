/**
 * A scriptable fake gateway on 127.0.0.1 (port 0) that speaks just enough of the protocol to drive the
 * client over a real socket: `hello` on open, `ready` after `identify`, `heartbeat_ack`, default replies
 * to the requests the client makes, and for `resume` either `invalid_session` (the default) or, with
 * `{ resume: 'replay' }`, the session's dispatches after the client's seq and then `resumed`.
 *
 * How to extend it:
 * - To change how one client frame type is answered, register a handler:
 *   `server.handle('chat.send', (frame, peer) => peer.send({ type: 'error', ref: frame.ref, payload: … }))`.
 *   A handler replaces the default for that type; `server.handle(type, undefined)` restores the default.
 * - To push server-initiated traffic, take the peer (`await server.nextPeer()` or `server.peers`) and call
 *   `peer.dispatch(type, payload)` (adds the session's next seq and keeps the frame for a resume), `peer.send(frame)` (sent as is, so you
 *   choose the seq: gaps, duplicates), `peer.sendRaw(text)` (invalid JSON, wrong shapes), or
 *   `peer.close(code, reason)` / `peer.goodbye(code, reason)`.
 * - To assert what the client sent, await `peer.next(type)`; every frame is also kept in `peer.received`.
 * Add new default behaviour to `defaultReply` below only when most tests want it; keep the rest in tests.
 */
import { type AddressInfo, WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { sampleLimits } from '../../protocol/src/testing/frame-samples';

export interface ClientFrameSeen {
  readonly type: string;
  readonly payload?: Record<string, unknown>;
  readonly ref?: string;
}

export type Handler = (frame: ClientFrameSeen, peer: FakePeer) => void;

const DEADLINE_MS = 3000;

function deadline<T>(promise: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** A session as the fake server keeps it for `resume`: its seq and every dispatch it was sent. */
export interface FakeSession {
  readonly id: string;
  readonly userId: string;
  seq: number;
  readonly log: { type: string; payload: object; seq: number }[];
}

/** One client connection as the fake server sees it. */
export class FakePeer {
  readonly received: ClientFrameSeen[] = [];
  session: FakeSession | undefined;
  closed: { code: number; reason: string } | undefined;
  private readonly waiters: { type: string; resolve: (frame: ClientFrameSeen) => void }[] = [];
  private readonly closeWaiters: ((closed: { code: number; reason: string }) => void)[] = [];
  private readonly taken = new Set<ClientFrameSeen>();

  constructor(
    readonly socket: WsSocket,
    readonly index: number,
  ) {}

  send(frame: object): void {
    this.socket.send(JSON.stringify(frame));
  }

  sendRaw(text: string): void {
    this.socket.send(text);
  }

  get sessionId(): string | undefined {
    return this.session?.id;
  }

  get userId(): string | undefined {
    return this.session?.userId;
  }

  /** Sends a dispatch with the session's next seq, kept in the session's log for a resume. */
  dispatch(type: string, payload: object): number {
    // A test that played `ready` by hand has no session here yet: number its dispatches all the same.
    this.session ??= { id: `unknown-${this.index}`, userId: 'unknown', seq: 0, log: [] };
    const session = this.session;
    session.seq += 1;
    const frame = { type, payload, seq: session.seq };
    session.log.push(frame);
    if (this.closed === undefined) this.send(frame);
    return session.seq;
  }

  goodbye(code: number, reason: string, resumable = false): void {
    this.send({ type: 'goodbye', payload: { code, reason, resumable } });
    this.socket.close(code, reason);
  }

  close(code: number, reason = ''): void {
    this.socket.close(code, reason);
  }

  /** The first frame of this type the client sent that no earlier `next` call took, waiting for it if need be. */
  next(type: string, ms?: number): Promise<ClientFrameSeen> {
    const frame = this.received.find((seen) => seen.type === type && !this.taken.has(seen));
    if (frame !== undefined) {
      this.taken.add(frame);
      return Promise.resolve(frame);
    }
    return deadline(new Promise((resolve) => this.waiters.push({ type, resolve })), `"${type}" from the client`, ms);
  }

  /** Resolves with the close the client sent (or the socket's end). */
  whenClosed(): Promise<{ code: number; reason: string }> {
    if (this.closed !== undefined) return Promise.resolve(this.closed);
    return deadline(new Promise((resolve) => this.closeWaiters.push(resolve)), 'the client to close');
  }

  receive(frame: ClientFrameSeen): void {
    this.received.push(frame);
    const index = this.waiters.findIndex((waiter) => waiter.type === frame.type);
    const waiter = this.waiters[index];
    if (waiter === undefined) return;
    this.waiters.splice(index, 1);
    this.taken.add(frame);
    waiter.resolve(frame);
  }

  ended(code: number, reason: string): void {
    this.closed = { code, reason };
    for (const resolve of this.closeWaiters.splice(0)) resolve(this.closed);
  }
}

export interface FakeServerOptions {
  heartbeatIntervalMs?: number;
  /** Answer `identify` with `ready` (default true). */
  autoReady?: boolean;
  /** `refuse`: every `resume` gets `invalid_session` (default). `replay`: known sessions resume. */
  resume?: 'refuse' | 'replay';
}

export class FakeServer {
  readonly peers: FakePeer[] = [];
  readonly sessions = new Map<string, FakeSession>();
  private readonly handlers = new Map<string, Handler>();
  private readonly peerWaiters: ((peer: FakePeer) => void)[] = [];
  private messages = 0;

  private constructor(
    private readonly wss: WebSocketServer,
    private readonly options: FakeServerOptions,
  ) {
    wss.on('connection', (socket) => this.accept(socket));
  }

  static async start(options: FakeServerOptions = {}): Promise<FakeServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new FakeServer(wss, options);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/ws`;
  }

  handle(type: string, handler: Handler | undefined): void {
    if (handler === undefined) this.handlers.delete(type);
    else this.handlers.set(type, handler);
  }

  /** The `index`-th connection (0 first), once it has opened. */
  peer(index: number): Promise<FakePeer> {
    const existing = this.peers[index];
    if (existing !== undefined) return Promise.resolve(existing);
    return deadline(
      new Promise((resolve) => {
        const check = (peer: FakePeer) => {
          if (peer.index === index) resolve(peer);
          else this.peerWaiters.push(check);
        };
        this.peerWaiters.push(check);
      }),
      `connection #${index}`,
    );
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(socket: WsSocket): void {
    const peer = new FakePeer(socket, this.peers.length);
    this.peers.push(peer);
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ClientFrameSeen;
      peer.receive(frame);
      const handler = this.handlers.get(frame.type);
      if (handler !== undefined) handler(frame, peer);
      else this.defaultReply(frame, peer);
    });
    socket.on('close', (code, reason) => peer.ended(code, String(reason)));
    peer.send({
      type: 'hello',
      payload: {
        protocol_version: 1,
        heartbeat_interval: this.options.heartbeatIntervalMs ?? 30_000,
        resume_window_ms: 120_000,
        limits: sampleLimits,
        server_id: 'fake',
      },
    });
    for (const waiter of this.peerWaiters.splice(0)) waiter(peer);
  }

  private defaultReply(frame: ClientFrameSeen, peer: FakePeer): void {
    const payload = frame.payload ?? {};
    const reply = (type: string, body: object) => peer.send({ type, payload: body, ref: frame.ref });
    switch (frame.type) {
      case 'identify': {
        if (this.options.autoReady === false) return;
        const session: FakeSession = {
          id: `session-${this.sessions.size + 1}`,
          userId: String(payload.user_id ?? payload.token ?? 'guest-1'),
          seq: 0,
          log: [],
        };
        this.sessions.set(session.id, session);
        peer.session = session;
        peer.send({
          type: 'ready',
          payload: {
            session_id: session.id,
            user: { id: session.userId },
            device_id: String(payload.device_id ?? `device-${peer.index}`),
            subscriptions: (payload.subscriptions as string[] | undefined) ?? [],
            presence: [],
          },
        });
        return;
      }
      case 'resume': {
        const session = this.sessions.get(String(payload.session_id));
        if (this.options.resume !== 'replay' || session === undefined) {
          peer.send({ type: 'invalid_session', payload: { resumable: false, reason: 'no such session' } });
          return;
        }
        peer.session = session;
        const missed = session.log.filter((frame) => frame.seq > Number(payload.seq));
        for (const frame of missed) peer.send(frame);
        peer.send({ type: 'resumed', payload: { session_id: session.id, replayed: missed.length } });
        return;
      }
      case 'heartbeat':
        peer.send({ type: 'heartbeat_ack' });
        return;
      case 'heartbeat_ack':
      case 'typing.start':
      case 'typing.stop':
      case 'recording.event':
        return;
      case 'subscribe':
        reply('subscribed', {
          rooms: (payload.room_ids as string[]).map((id) => ({
            room_id: id,
            member_count: 0,
            members: [],
            recent_messages: [],
          })),
          refused: [],
        });
        return;
      case 'unsubscribe':
        reply('unsubscribed', { room_ids: payload.room_ids });
        return;
      case 'chat.send': {
        this.messages += 1;
        const messageId = `m${this.messages}`;
        reply('ack', {
          status: 'accepted',
          message_id: messageId,
          client_msg_id: payload.client_msg_id,
          room_id: payload.room_id,
        });
        peer.dispatch('chat.message', {
          message_id: messageId,
          room_id: payload.room_id,
          sender_id: peer.userId,
          client_msg_id: payload.client_msg_id,
          kind: payload.kind ?? 'text',
          content: payload.content,
          created_at: new Date(0).toISOString(),
        });
        return;
      }
      case 'recording.start':
        reply('ack', { recording_id: payload.recording_id ?? 'rec-1' });
        return;
      case 'recording.stop':
        reply('ack', { recording_id: payload.recording_id, events: 0 });
        return;
      case 'replay':
        reply('ack', { replayed: 0 });
        return;
      default:
        reply('ack', {});
    }
  }
}
