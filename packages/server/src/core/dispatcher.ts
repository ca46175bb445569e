import { type ClientFrame, clientFrameSchemas, createClientFrameDecoder } from '@gateway/protocol';
import type { ClientConnection } from './client-connection';
import { onChatDelete, onChatEdit, onChatHistory, onChatSend } from './handlers/chat';
import { onHeartbeat, onIdentify, onReplay } from './handlers/connection';
import { onCustomEvent, type StoredHandler } from './handlers/custom';
import { onPresenceUpdate, onTypingStart, onTypingStop } from './handlers/presence';
import { onPresenceList } from './handlers/presence-list';
import { onReauth } from './handlers/reauth';
import { onRecordingEvent, onRecordingStart, onRecordingStop } from './handlers/recording';
import { onResume } from './handlers/resume';
import { onGuildSubscribe, onGuildUnsubscribe, onSubscribe, onUnsubscribe } from './handlers/rooms';
import { onStreamFetch } from './handlers/streams';
import { exceedsJsonDepth } from './limits/json-depth';
import { matchHeartbeat } from './liveness/heartbeat-fast-path';
import type { Parts } from './parts';
import { englishIssues } from './zod-messages';

/** Types a connection may send before it is ready. */
const BEFORE_READY: ReadonlySet<string> = new Set(['identify', 'resume', 'heartbeat', 'heartbeat_ack']);

/**
 * Types whose handling changes what the connection's later frames may do (join rooms) and waits on hooks:
 * later frames of the same connection wait for them, so a send queued right behind a subscribe finds the room.
 * Chat frames wait only when the shared state (Redis) is asked, so their acks and dispatches keep frame order;
 * in process they answer synchronously and hold nothing up.
 */
const ORDERING_BARRIERS: ReadonlySet<string> = new Set([
  'subscribe',
  'guild.subscribe',
  'chat.send',
  'chat.edit',
  'chat.delete',
  'chat.history',
]);

/**
 * What a stopping server still answers: liveness, reads and leaving. Everything else would be new work
 * that the stop could cut off half done, so it gets `error shutting_down`.
 */
const ALLOWED_WHILE_STOPPING: ReadonlySet<string> = new Set([
  'heartbeat',
  'heartbeat_ack',
  'replay',
  'chat.history',
  'chat.stream_fetch',
  'unsubscribe',
  'guild.unsubscribe',
]);

const utf8 = new TextEncoder();

/** UTF-8 length, without encoding when the UTF-16 length already settles the comparison. */
function exceedsBytes(text: string, max: number): boolean {
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return utf8.encode(text).length > max;
}

/**
 * Turns raw socket messages into handled frames: size and binary checks, decoding, the pre-ready gate,
 * then the frame's handler. Nothing here throws into the transport.
 */
export function createFrameRouter(rt: Parts, customHandlers: ReadonlyMap<string, StoredHandler>) {
  const decoder = createClientFrameDecoder(rt.options.events, englishIssues());
  type DecodedFrame = Extract<ReturnType<typeof decoder.decode>, { ok: true }>['frame'];
  const textDecoder = new TextDecoder('utf-8', { fatal: true });
  const { maxFrameBytes, maxJsonDepth, clock } = rt.options;
  /** The fast path's frames nest two deep; with a tighter depth limit every frame takes the full path. */
  const heartbeatFastPath = maxJsonDepth >= 2;

  function route(connection: ClientConnection, frame: ClientFrame): void | Promise<void> {
    switch (frame.type) {
      case 'identify':
        return onIdentify(rt, connection, frame);
      case 'resume':
        return onResume(rt, connection, frame);
      case 'heartbeat':
        return onHeartbeat(rt, connection, frame);
      case 'heartbeat_ack':
        return; // Hearing it was the point.
      case 'reauth':
        return onReauth(rt, connection, frame);
    }
    // Past the pre-ready gate: the frame acts on the connection's session (replies go wherever it is attached).
    const session = rt.registry.sessionOf(connection);
    if (session === undefined) return;
    switch (frame.type) {
      case 'replay':
        return onReplay(rt, session, frame);
      case 'subscribe':
        return onSubscribe(rt, session, frame);
      case 'unsubscribe':
        return onUnsubscribe(rt, session, frame);
      case 'guild.subscribe':
        return onGuildSubscribe(rt, session, frame);
      case 'guild.unsubscribe':
        return onGuildUnsubscribe(rt, session, frame);
      case 'chat.send':
        return onChatSend(rt, session, frame);
      case 'chat.edit':
        return onChatEdit(rt, session, frame);
      case 'chat.delete':
        return onChatDelete(rt, session, frame);
      case 'chat.history':
        return onChatHistory(rt, session, frame);
      case 'chat.stream_fetch':
        return onStreamFetch(rt, session, frame);
      case 'presence.update':
        return onPresenceUpdate(rt, session, frame);
      case 'presence.list':
        return onPresenceList(rt, session, frame);
      case 'typing.start':
        return onTypingStart(rt, session, frame);
      case 'typing.stop':
        return onTypingStop(rt, session, frame);
      case 'recording.start':
        return onRecordingStart(rt, session, frame);
      case 'recording.event':
        return onRecordingEvent(rt, session, frame);
      case 'recording.stop':
        return onRecordingStop(rt, session, frame);
      default: {
        const unhandled: never = frame;
        return unhandled;
      }
    }
  }

  function handleFailure(connection: ClientConnection, type: string, ref: string | undefined, error: unknown): void {
    const sessionId = connection.sessionId;
    rt.options.logger.error(
      { err: error, type, connection_id: connection.id, session_id: sessionId },
      'frame handler failed',
    );
    if (connection.state !== 'closed') rt.replies.fail(connection, 'internal_error', `Handling "${type}" failed.`, ref);
  }

  /** Per connection: the frames still waiting for an ordering barrier, settled once the last of them is handled. */
  const waiting = new WeakMap<ClientConnection, Promise<void>>();

  /** Runs a frame's handler; returns a promise only when later frames must wait for it. It never rejects. */
  function handle(
    connection: ClientConnection,
    frame: { type: string; ref?: string | undefined },
  ): Promise<void> | undefined {
    try {
      const pending =
        frame.type in clientFrameSchemas
          ? route(connection, frame as ClientFrame)
          : onCustomEvent(rt, customHandlers, connection, frame);
      const settled = pending?.catch((error: unknown) => handleFailure(connection, frame.type, frame.ref, error));
      return ORDERING_BARRIERS.has(frame.type) ? settled : undefined;
    } catch (error) {
      handleFailure(connection, frame.type, frame.ref, error);
      return undefined;
    }
  }

  /**
   * The connection's rate limits: a frame over them is answered `rate_limited` and dropped; too many of
   * those and the connection is closed 4004. Only this connection's buckets are touched.
   */
  function admit(connection: ClientConnection, type: string, ref: string | undefined): boolean {
    const now = clock.now();
    const retryAfterMs = connection.rateLimiter.admit(type, now);
    if (retryAfterMs === 0) return true;
    rt.counters.rateLimited();
    connection.send(
      'error',
      { code: 'rate_limited', message: `Too many frames; retry "${type}" later.`, retry_after_ms: retryAfterMs },
      ref,
    );
    if (connection.rateLimiter.refused(now)) rt.lifecycle.close(connection, 'flood', 'Too many frames too fast.');
    return false;
  }

  /** UTF-8, depth and schema checks; undefined (and the connection answered) when the frame fails one. */
  function decode(connection: ClientConnection, data: string | Uint8Array): DecodedFrame | undefined {
    let text: string;
    try {
      text = typeof data === 'string' ? data : textDecoder.decode(data);
    } catch {
      rt.replies.reject(connection, 'invalid_json', 'The frame is not valid UTF-8 text.');
      return undefined;
    }
    if (exceedsJsonDepth(text, maxJsonDepth)) {
      rt.replies.reject(connection, 'frame_too_deep', `Frames may nest at most ${maxJsonDepth} levels deep.`);
      return undefined;
    }
    const decoded = decoder.decode(text);
    if (!decoded.ok) {
      rt.replies.reject(connection, decoded.error.code, decoded.error.message, decoded.error.ref);
      return undefined;
    }
    return decoded.frame;
  }

  return function receive(connection: ClientConnection, data: string | Uint8Array, isBinary: boolean): void {
    if (connection.state === 'closed') return;
    rt.counters.frameIn();
    connection.lastHeardAt = rt.options.clock.now();
    connection.pinged = false;
    if (connection.state !== 'ready' && connection.rateLimiter.beforeReady()) {
      rt.lifecycle.close(connection, 'protocol_violation', 'Too many frames before identify.');
      return;
    }
    if (isBinary) {
      rt.replies.reject(connection, 'binary_unsupported', 'Binary frames are not supported; send JSON text.');
      return;
    }
    const tooLarge = typeof data === 'string' ? exceedsBytes(data, maxFrameBytes) : data.byteLength > maxFrameBytes;
    if (tooLarge) {
      rt.replies.reject(connection, 'frame_too_large', `Frames may be at most ${maxFrameBytes} bytes.`);
      return;
    }
    // A heartbeat in the exact shape clients send skips decoding and validation (it nests 2 deep at most).
    const frame =
      (heartbeatFastPath && typeof data !== 'string' ? matchHeartbeat(data) : undefined) ?? decode(connection, data);
    if (frame === undefined) return;
    if (!admit(connection, frame.type, frame.ref)) return;
    if (connection.state !== 'ready' && !BEFORE_READY.has(frame.type)) {
      rt.replies.reject(connection, 'not_identified', `Identify before sending "${frame.type}".`, frame.ref);
      return;
    }
    if (rt.shutdown.stopping && !ALLOWED_WHILE_STOPPING.has(frame.type)) {
      rt.replies.fail(connection, 'shutting_down', 'The server is stopping; reconnect and send it again.', frame.ref);
      return;
    }
    const earlier = waiting.get(connection);
    const done =
      earlier === undefined
        ? handle(connection, frame)
        : earlier.then(() => (connection.state === 'closed' ? undefined : handle(connection, frame)));
    if (done === undefined) return;
    waiting.set(connection, done);
    void done.then(() => {
      if (waiting.get(connection) === done) waiting.delete(connection);
    });
  };
}
