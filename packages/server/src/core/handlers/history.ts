import { ChatMessage, type ClientFrameOf, MAX_HISTORY_LIMIT } from '@gateway/protocol';
import { belowStore, finishPage, type Loaded, pageOf } from '../history/page';
import { type PlacedRange, placeCursors } from '../history/positions';
import { andThen, type MaybePromise } from '../maybe-promise';
import type { LoadHistoryRequest } from '../options';
import type { Parts } from '../parts';
import type { HistoryPage, HistoryPageQuery } from '../ports/shared-state';
import type { Session } from '../session';

type HistoryParts = Pick<Parts, 'history' | 'historyLoads' | 'replies' | 'options'>;
type Frame = ClientFrameOf<'chat.history'>;

/**
 * A page of a subscribed room's history: positions placed with the room log, the page read from the kept
 * history, and what that does not reach asked of `loadHistory`. The log and store reads hold the connection's
 * later frames (their order matters, as for chat.send); the hook runs apart, one per session at a time.
 */
export function answerHistory(rt: HistoryParts, session: Session, frame: Frame): MaybePromise<void> {
  const { room_id: roomId, before, after } = frame.payload;
  const limit = Math.min(frame.payload.limit ?? rt.options.historyRetention(roomId).maxEntries, MAX_HISTORY_LIMIT);
  const { backplane, maxRecover } = rt.options;
  return andThen(placeCursors(backplane.logs, roomId, before, after, maxRecover), (placement) => {
    if (!placement.ok) {
      rt.replies.fail(session, 'position_unavailable', `${placement.why} Page by message_id instead.`, frame.ref);
      return undefined;
    }
    const range = placement.range;
    if (range.empty) {
      rt.replies.ack(session, { room_id: roomId, messages: [], more: false }, frame.ref);
      return undefined;
    }
    const query = { after: range.after, before: range.before, limit };
    return andThen(readPage(rt, roomId, query), (page) => answerPage(rt, session, frame, query, range, page));
  });
}

function readPage(rt: HistoryParts, roomId: string, query: HistoryPageQuery): MaybePromise<HistoryPage> {
  const store = rt.history;
  if (store.page !== undefined) return store.page(roomId, query);
  return andThen(store.recent(roomId), (kept) => pageOf(kept, query));
}

function answerPage(
  rt: HistoryParts,
  session: Session,
  frame: Frame,
  query: HistoryPageQuery,
  range: PlacedRange,
  page: HistoryPage,
): void {
  const roomId = frame.payload.room_id;
  const load = rt.options.loadHistory;
  const reply = (loaded: Loaded | undefined) => {
    const { messages, more } = finishPage(query, page, range.first, loaded, load !== undefined);
    rt.replies.ack(session, { room_id: roomId, messages, more }, frame.ref);
  };
  const asked = load === undefined ? undefined : belowStore(query, page);
  if (asked === undefined || load === undefined) {
    reply(undefined);
    return;
  }
  const request: LoadHistoryRequest = {
    room_id: roomId,
    ...(asked.before === undefined ? {} : { before: asked.before }),
    ...(asked.after === undefined ? {} : { after: asked.after }),
    limit: asked.limit,
  };
  const started = rt.historyLoads.run(session, async () => {
    let messages: ChatMessage[] | undefined;
    try {
      messages = checked(await load(request), roomId);
      if (messages === undefined) throw new TypeError('loadHistory returned something other than the room’s messages');
    } catch (error) {
      rt.options.logger.error({ err: error, room_id: roomId }, 'loadHistory failed');
      rt.replies.fail(session, 'handler_failed', 'The history could not be loaded.', frame.ref);
      return;
    }
    reply({ asked, messages });
  });
  if (!started) {
    rt.replies.fail(session, 'limit_reached', 'Too many history loads at once; wait for their answers.', frame.ref);
  }
}

/** The hook's answer as this room's messages, or undefined when it is anything else. */
function checked(result: unknown, roomId: string): ChatMessage[] | undefined {
  if (!Array.isArray(result)) return undefined;
  const messages: ChatMessage[] = [];
  for (const item of result) {
    const parsed = ChatMessage.safeParse(item);
    if (!parsed.success || parsed.data.room_id !== roomId) return undefined;
    messages.push(parsed.data);
  }
  return messages;
}
