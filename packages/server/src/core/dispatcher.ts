import { type ClientFrame, clientFrameSchemas, createClientFrameDecoder } from '@gateway/protocol';
import { onChatDelete, onChatEdit, onChatHistory, onChatSend } from './handlers/chat';
import { onHeartbeat, onIdentify, onReplay, onResume } from './handlers/connection';
import { onCustomEvent, type StoredHandler } from './handlers/custom';
import { onPresenceUpdate, onTypingStart, onTypingStop } from './handlers/presence';
import { onRecordingEvent, onRecordingStart, onRecordingStop } from './handlers/recording';
import { onGuildSubscribe, onGuildUnsubscribe, onSubscribe, onUnsubscribe } from './handlers/rooms';
import { onStreamFetch } from './handlers/streams';
import type { Runtime } from './runtime';
import type { Session } from './session';

/** Types a connection may send before it is ready. */
const BEFORE_READY: ReadonlySet<string> = new Set(['identify', 'resume', 'heartbeat', 'heartbeat_ack']);

/**
 * Types whose handling changes what the connection's later frames may do (join rooms) and waits on hooks:
 * later frames of the same connection wait for them, so a send queued right behind a subscribe finds the room.
 */
const ORDERING_BARRIERS: ReadonlySet<string> = new Set(['subscribe', 'guild.subscribe']);

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
export function createFrameRouter(rt: Runtime, customHandlers: ReadonlyMap<string, StoredHandler>) {
  const decoder = createClientFrameDecoder(rt.options.events);
  const textDecoder = new TextDecoder('utf-8', { fatal: true });
  const { maxFrameBytes } = rt.options;

  function route(session: Session, frame: ClientFrame): void | Promise<void> {
    switch (frame.type) {
      case 'identify':
        return onIdentify(rt, session, frame);
      case 'resume':
        return onResume(rt, session, frame);
      case 'heartbeat':
        return onHeartbeat(session, frame);
      case 'heartbeat_ack':
        return; // Hearing it was the point.
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

  function handleFailure(session: Session, type: string, ref: string | undefined, error: unknown): void {
    rt.options.logger.error({ err: error, type, session_id: session.id }, 'frame handler failed');
    if (session.state !== 'closed') rt.fail(session, 'internal_error', `Handling "${type}" failed.`, ref);
  }

  /** Per connection: the frames still waiting for an ordering barrier, settled once the last of them is handled. */
  const waiting = new WeakMap<Session, Promise<void>>();

  /** Runs a frame's handler; returns a promise only when later frames must wait for it. It never rejects. */
  function handle(session: Session, frame: { type: string; ref?: string | undefined }): Promise<void> | undefined {
    try {
      const pending =
        frame.type in clientFrameSchemas
          ? route(session, frame as ClientFrame)
          : onCustomEvent(rt, customHandlers, session, frame);
      const settled = pending?.catch((error: unknown) => handleFailure(session, frame.type, frame.ref, error));
      return ORDERING_BARRIERS.has(frame.type) ? settled : undefined;
    } catch (error) {
      handleFailure(session, frame.type, frame.ref, error);
      return undefined;
    }
  }

  return function receive(session: Session, data: string | Uint8Array, isBinary: boolean): void {
    if (session.state === 'closed') return;
    rt.counters.framesIn += 1;
    session.lastHeardAt = rt.options.clock.now();
    session.pinged = false;
    if (isBinary) {
      rt.reject(session, 'binary_unsupported', 'Binary frames are not supported; send JSON text.');
      return;
    }
    const tooLarge = typeof data === 'string' ? exceedsBytes(data, maxFrameBytes) : data.byteLength > maxFrameBytes;
    if (tooLarge) {
      rt.reject(session, 'frame_too_large', `Frames may be at most ${maxFrameBytes} bytes.`);
      return;
    }
    let text: string;
    try {
      text = typeof data === 'string' ? data : textDecoder.decode(data);
    } catch {
      rt.reject(session, 'invalid_json', 'The frame is not valid UTF-8 text.');
      return;
    }
    const decoded = decoder.decode(text);
    if (!decoded.ok) {
      rt.reject(session, decoded.error.code, decoded.error.message, decoded.error.ref);
      return;
    }
    const frame = decoded.frame;
    if (session.state !== 'ready' && !BEFORE_READY.has(frame.type)) {
      rt.reject(session, 'not_identified', `Identify before sending "${frame.type}".`, frame.ref);
      return;
    }
    const earlier = waiting.get(session);
    const done =
      earlier === undefined
        ? handle(session, frame)
        : earlier.then(() => (session.state === 'closed' ? undefined : handle(session, frame)));
    if (done === undefined) return;
    waiting.set(session, done);
    void done.then(() => {
      if (waiting.get(session) === done) waiting.delete(session);
    });
  };
}
