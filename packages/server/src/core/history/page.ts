import type { ChatMessage } from '@gateway/protocol';
import type { HistoryPage, HistoryPageQuery } from '../ports/shared-state';

/** Message id order: creation order within one instance (`Stamps.newId`), to the millisecond across instances. */
export function byId(a: ChatMessage, b: ChatMessage): number {
  return a.message_id < b.message_id ? -1 : a.message_id > b.message_id ? 1 : 0;
}

/**
 * Which of a room's kept messages (in the order they were kept) lie past a cursor: those after it in that
 * order when it is kept itself, else those whose id is past it.
 */
function bound(kept: readonly ChatMessage[], id: string | undefined, side: 'after' | 'before') {
  if (id === undefined) return () => true;
  const at = kept.findIndex((message) => message.message_id === id);
  if (at >= 0) return (_message: ChatMessage, index: number) => (side === 'after' ? index > at : index < at);
  return (message: ChatMessage) => (side === 'after' ? message.message_id > id : message.message_id < id);
}

/**
 * A page of a room's kept messages, in the order they were kept (the order they were published in, where ids
 * of one millisecond are in random order), with cursors placed by finding their message among them: each kept
 * message comes exactly once however a pager goes. A cursor not kept (deleted, or older than what is kept)
 * compares by id. `oldest` is the smallest id kept, from which the store vouches for the room's messages.
 */
export function pageOf(kept: readonly ChatMessage[], query: HistoryPageQuery): HistoryPage {
  const isAfter = bound(kept, query.after, 'after');
  const isBefore = bound(kept, query.before, 'before');
  const inRange = kept.filter((message, index) => isAfter(message, index) && isBefore(message, index));
  const limit = Math.max(0, query.limit);
  const messages =
    query.after === undefined ? inRange.slice(Math.max(0, inRange.length - limit)) : inRange.slice(0, limit);
  let oldest: string | undefined;
  for (const { message_id: id } of kept) if (oldest === undefined || id < oldest) oldest = id;
  return { messages, more: inRange.length > limit, oldest };
}

/** True when the range starts below the oldest message the store keeps (or the store keeps none). */
export function reachesBelow(range: HistoryPageQuery, page: HistoryPage): boolean {
  return page.oldest === undefined || range.after === undefined || range.after < page.oldest;
}

/**
 * What `loadHistory` is asked for: the part of the range below the oldest message the store keeps, which the
 * store cannot vouch for. Nothing when the store vouches for the whole range, or when paging back and the
 * store filled the page.
 */
export function belowStore(range: HistoryPageQuery, page: HistoryPage): HistoryPageQuery | undefined {
  if (!reachesBelow(range, page)) return undefined;
  const floor = page.oldest;
  const newer = range.after !== undefined;
  const have = page.messages.length;
  if (!newer && have >= range.limit) return undefined;
  const before = floor === undefined || (range.before !== undefined && range.before < floor) ? range.before : floor;
  if (range.after !== undefined && before !== undefined && range.after >= before) return undefined;
  return { after: range.after, before, limit: newer ? range.limit : range.limit - have };
}

/** The messages strictly inside a query's id bounds, in id order. */
export function within(messages: readonly ChatMessage[], query: HistoryPageQuery): ChatMessage[] {
  return messages
    .filter(
      ({ message_id: id }) =>
        (query.after === undefined || id > query.after) && (query.before === undefined || id < query.before),
    )
    .sort(byId);
}

/**
 * Parts of a page, each older than the next (a message placed from the log, what the application loaded below
 * the store, the store's page), as one: each message once (the first part that has it wins), at most `limit`,
 * the oldest when paging forwards (`newer`), else the newest. `overflow` says some were left out.
 */
export function mergePage(
  parts: readonly (readonly ChatMessage[])[],
  limit: number,
  newer: boolean,
): { messages: ChatMessage[]; overflow: boolean } {
  const seen = new Set<string>();
  const all: ChatMessage[] = [];
  for (const part of parts) {
    for (const message of part) {
      if (seen.has(message.message_id)) continue;
      seen.add(message.message_id);
      all.push(message);
    }
  }
  const messages = newer ? all.slice(0, limit) : all.slice(Math.max(0, all.length - limit));
  return { messages, overflow: all.length > limit };
}

/** What `loadHistory` was asked and answered (its messages checked already). */
export interface Loaded {
  readonly asked: HistoryPageQuery;
  readonly messages: readonly ChatMessage[];
}

/**
 * The page a client gets: the message placed from the log (`first`, when in range), what the application
 * loaded below the store, and the store's page, with whether more may lie that way. Without a load, a page back
 * that reaches below the store may have more in the application's database when it has one (`canLoad`).
 */
export function finishPage(
  query: HistoryPageQuery,
  page: HistoryPage,
  first: ChatMessage | undefined,
  loaded: Loaded | undefined,
  canLoad: boolean,
): { messages: ChatMessage[]; more: boolean } {
  const placed = first !== undefined && (query.before === undefined || first.message_id < query.before);
  const below = loaded === undefined ? [] : within(loaded.messages, loaded.asked);
  const merged = mergePage([placed ? [first] : [], below, page.messages], query.limit, query.after !== undefined);
  const beyond =
    loaded === undefined ? canLoad && reachesBelow(query, page) : loaded.messages.length >= loaded.asked.limit;
  return { messages: merged.messages, more: merged.overflow || page.more || beyond };
}
