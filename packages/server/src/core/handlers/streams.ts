import type { ChatMessage, ClientFrameOf, Data, MessageKind } from '@gateway/protocol';
import type { Parts } from '../parts';
import type { Session } from '../session';
import type { StreamRecord } from '../streams';
import { requireRoom } from './chat';

type StreamParts = Pick<Parts, 'streams' | 'stamps' | 'delivery' | 'inFlight' | 'options' | 'history'>;

export interface StartStreamOptions {
  room_id: string;
  sender_id: string;
  sender_name?: string;
  kind?: MessageKind;
  metadata?: Data;
}

/** A server-initiated streamed message (an AI answer): chunks indexed from 0, then the assembled message. */
export interface GatewayStream {
  readonly stream_id: string;
  /** Dispatches one chunk; returns its index. */
  write(content: string): number;
  /** Persists (if the hook exists), stores in history and dispatches `chat.stream_end` with the message. */
  end(): Promise<ChatMessage>;
}

export function startStream(rt: StreamParts, options: StartStreamOptions): GatewayStream {
  const record: StreamRecord = {
    stream_id: rt.stamps.newId(),
    room_id: options.room_id,
    sender_id: options.sender_id,
    started_at: rt.stamps.timestamp(),
    chunks: [],
    ended: false,
    ...(options.kind === undefined ? {} : { kind: options.kind }),
    ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
  };
  rt.streams.add(record);
  const { chunks: _chunks, ended: _ended, ...start } = record;
  rt.delivery.toRoom(record.room_id, 'chat.stream_start', start);
  const assertOpen = () => {
    if (record.ended) throw new Error(`Stream ${record.stream_id} has ended.`);
  };
  return {
    stream_id: record.stream_id,
    write(content) {
      assertOpen();
      const index = record.chunks.length;
      record.chunks.push(content);
      rt.delivery.toRoom(record.room_id, 'chat.stream_chunk', {
        stream_id: record.stream_id,
        room_id: record.room_id,
        index,
        content,
      });
      return index;
    },
    async end() {
      assertOpen();
      record.ended = true;
      const message: ChatMessage = {
        message_id: rt.stamps.newId(),
        room_id: record.room_id,
        sender_id: record.sender_id,
        kind: record.kind ?? 'text',
        content: record.chunks.join(''),
        created_at: rt.stamps.timestamp(),
        ...(options.sender_name === undefined ? {} : { sender_name: options.sender_name }),
        ...(record.metadata === undefined ? {} : { metadata: record.metadata }),
      };
      const ending = { stream_id: record.stream_id, room_id: record.room_id, chunks: record.chunks.length };
      try {
        // Tracked, so a stop waits for the store and the end reaches the room.
        await rt.inFlight.track(Promise.resolve(rt.options.persistMessage?.(message)));
      } catch (error) {
        // Clients still learn the stream is over; the message itself was not stored.
        rt.delivery.toRoom(record.room_id, 'chat.stream_end', ending);
        throw error;
      }
      await rt.history.add(message);
      rt.delivery.toRoom(record.room_id, 'chat.stream_end', { ...ending, message });
      return message;
    },
  };
}

/** A client that missed chunks asks from an index and gets a snapshot. */
export function onStreamFetch(
  rt: Pick<Parts, 'streams' | 'replies'>,
  session: Session,
  frame: ClientFrameOf<'chat.stream_fetch'>,
): void {
  const { stream_id, from_index = 0 } = frame.payload;
  const stream = rt.streams.get(stream_id);
  if (stream === undefined) {
    rt.replies.fail(session, 'not_found', `No stream "${stream_id}" (it may have been forgotten).`, frame.ref);
    return;
  }
  if (!requireRoom(rt, session, stream.room_id, frame.ref)) return;
  const chunks = stream.chunks.slice(from_index).map((content, i) => ({ index: from_index + i, content }));
  rt.replies.ack(session, { stream_id, room_id: stream.room_id, chunks, ended: stream.ended }, frame.ref);
}
