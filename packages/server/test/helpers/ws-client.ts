import type { Duplex } from 'node:stream';
import WebSocket from 'ws';

export interface Frame {
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: frames from the wire; each test asserts the fields it reads.
  payload?: any;
  seq?: number;
  ref?: string;
  pos?: { room_id: string; epoch: string; offset: number };
}

/** How a `presence.diff` named a user. */
export type ChangeKind = 'joined' | 'updated' | 'left';

/** One user named by one `presence.diff`: `roomId` undefined for the global scope. */
export interface PresenceChange {
  readonly kind: ChangeKind;
  readonly userId: string;
  readonly roomId: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: an entry from the wire; each test asserts the fields it reads.
  readonly entry?: any;
  readonly frame: Frame;
}

export interface TestClient {
  readonly ws: WebSocket;
  /** Every frame received, in order. */
  readonly frames: Frame[];
  send(frame: object): void;
  sendRaw(data: string | Buffer, binary?: boolean): void;
  /** The next frame of this type not returned before, waiting up to `timeoutMs`. */
  next(type: string, timeoutMs?: number): Promise<Frame>;
  /** The reply carrying this ref (ack, error, subscribed, …), waiting up to `timeoutMs`. */
  reply(ref: string, timeoutMs?: number): Promise<Frame>;
  /** Frames of a type received so far. */
  all(type: string): Frame[];
  /** Every user named by the `presence.diff`s received so far, in order. */
  changes(): PresenceChange[];
  /**
   * The next user named `kind` by a `presence.diff` in the scope (`roomId`, or global when undefined) not
   * returned before, waiting up to `timeoutMs`; `userId` undefined takes anyone.
   */
  nextChange(
    kind: ChangeKind,
    userId: string | undefined,
    roomId?: string,
    timeoutMs?: number,
  ): Promise<PresenceChange>;
  /** Round trip through the server: every frame it sent this client before now has arrived afterwards. */
  barrier(): Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  close(code?: number): void;
  /** Stops reading the TCP socket (a slow consumer): the server's writes pile up in its buffers. */
  pauseReading(): void;
  resumeReading(): void;
}

/**
 * Opens a raw ws connection and collects what arrives; waits are event-driven with deadlines, never sleeps.
 * `options` reach ws (an `origin` header, say).
 */
export function connectClient(url: string, options?: WebSocket.ClientOptions): Promise<TestClient> {
  const ws = new WebSocket(url, options);
  let socket: Duplex | undefined;
  ws.once('upgrade', (response) => {
    socket = response.socket;
  });
  const frames: Frame[] = [];
  const returned = new Set<Frame>();
  const waiters = new Set<() => void>();
  let barrierCount = 0;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of waiters) wake();
    });
  });
  ws.on('message', (data) => {
    frames.push(JSON.parse(data.toString()) as Frame);
    for (const wake of waiters) wake();
  });

  function changes(): PresenceChange[] {
    const out: PresenceChange[] = [];
    for (const frame of frames) {
      if (frame.type !== 'presence.diff') continue;
      const roomId: string | undefined = frame.payload.room_id;
      for (const entry of frame.payload.joined ?? [])
        out.push({ kind: 'joined', userId: entry.user_id, roomId, entry, frame });
      for (const entry of frame.payload.updated ?? [])
        out.push({ kind: 'updated', userId: entry.user_id, roomId, entry, frame });
      for (const userId of frame.payload.left ?? []) out.push({ kind: 'left', userId, roomId, frame });
    }
    return out;
  }

  const returnedChanges = new Set<string>();
  function nextChange(
    kind: ChangeKind,
    userId: string | undefined,
    roomId?: string,
    timeoutMs = 2000,
  ): Promise<PresenceChange> {
    let found: PresenceChange | undefined;
    const keyOf = (change: PresenceChange) => `${frames.indexOf(change.frame)}:${change.kind}:${change.userId}`;
    const match = (): boolean => {
      found = changes().find(
        (change) =>
          change.kind === kind &&
          (userId === undefined || change.userId === userId) &&
          change.roomId === roomId &&
          !returnedChanges.has(keyOf(change)),
      );
      return found !== undefined;
    };
    const what = `presence ${kind} of ${userId ?? 'anyone'} in ${roomId ?? 'the global scope'}`;
    return waitUntil(match, what, timeoutMs).then(() => {
      const change = found as PresenceChange;
      returnedChanges.add(keyOf(change));
      return change;
    });
  }

  function next(type: string, timeoutMs = 2000): Promise<Frame> {
    return waitFor((frame) => frame.type === type, `"${type}" frame`, timeoutMs);
  }

  function waitFor(match: (frame: Frame) => boolean, what: string, timeoutMs: number): Promise<Frame> {
    let found: Frame | undefined;
    const check = (): boolean => {
      found = frames.find((frame) => match(frame) && !returned.has(frame));
      if (found === undefined) return false;
      returned.add(found);
      return true;
    };
    return waitUntil(check, what, timeoutMs).then(() => found as Frame);
  }

  /** Resolves once `check` is true: on arrival of each frame, and on close; rejects after `timeoutMs`. */
  function waitUntil(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`No ${what} within ${timeoutMs} ms; got: ${frames.map((f) => f.type).join(', ')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(wake);
      };
      const wake = () => {
        if (!check()) return;
        cleanup();
        resolve();
      };
      if (check()) {
        cleanup();
        resolve();
      } else waiters.add(wake);
    });
  }

  const client: TestClient = {
    ws,
    frames,
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendRaw: (data, binary = false) => ws.send(data, { binary }),
    next,
    reply: (ref, timeoutMs = 2000) => waitFor((frame) => frame.ref === ref, `reply to "${ref}"`, timeoutMs),
    all: (type) => frames.filter((frame) => frame.type === type),
    changes,
    nextChange,
    async barrier() {
      const ref = `barrier-${++barrierCount}`;
      ws.send(JSON.stringify({ type: 'heartbeat', payload: {}, ref }));
      for (;;) {
        const ack = await next('heartbeat_ack');
        if (ack.ref === ref) return;
      }
    },
    closed,
    close: (code = 1000) => ws.close(code),
    pauseReading: () => socket?.pause(),
    resumeReading: () => socket?.resume(),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  });
}
