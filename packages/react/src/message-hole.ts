import type { ChatMessage, RoomRecovery } from '@gateway/client';
import type { MessageHole, MessageList } from './message-types';

// Pure, like the list: a hole is marked when a recovery was not whole, shown against the rows the list holds,
// and forgotten once a list fetched from the server reaches back to where it opened.

/** The last message the list held when the hole opened: the row it comes after. */
type Anchor = Pick<ChatMessage, 'message_id' | 'created_at'>;

/** A hole as the store keeps it: what the server said was missed, and where in the list that was. */
export interface HoleMark {
  readonly reason: MessageHole['reason'];
  readonly missed_from: number | undefined;
  readonly missed_to: number | undefined;
  readonly anchor: Anchor | undefined;
}

/** The hole a recovery that was not whole opens in `list`; with one open already, one hole spanning both. */
export function markHole(list: MessageList, answer: RoomRecovery, open: HoleMark | undefined): HoleMark {
  const anchor: Anchor | undefined = list.sent.at(-1);
  const reason = answer.reason ?? 'unavailable';
  if (open === undefined) {
    return { reason, missed_from: answer.missed_from, missed_to: answer.missed_to, anchor };
  }
  // Offsets of another epoch (or none) cannot be compared: the span is then unknown.
  const known = open.missed_from !== undefined && answer.missed_from !== undefined;
  return {
    reason,
    missed_from: known ? Math.min(open.missed_from ?? 0, answer.missed_from ?? 0) : undefined,
    missed_to: known ? Math.max(open.missed_to ?? 0, answer.missed_to ?? 0) : undefined,
    anchor: open.anchor,
  };
}

/**
 * Whether messages fetched from the server (a history, a snapshot's recent messages) that arrived after the hole
 * opened fill it: they reach back to the row it came after, or past it (that row may have been deleted since).
 * The messages missed were said before the recovery that reported them, so a list read after it holds them
 * once it reaches back that far; the fetched list replaces the rows, so nothing is left between them.
 * A hole in a list that held nothing has no row to come after: any fetched list stands on its own.
 */
export function fills(messages: readonly ChatMessage[], mark: HoleMark): boolean {
  const { anchor } = mark;
  if (anchor === undefined) return true;
  return messages.some((message) => atOrBefore(message, anchor));
}

/** The anchor itself, or a message strictly older (one of the same millisecond may have come after it). */
const atOrBefore = (message: ChatMessage, anchor: Anchor): boolean =>
  message.message_id === anchor.message_id || Date.parse(message.created_at) < Date.parse(anchor.created_at);

/**
 * The hole as the list shows it, `previous` when nothing changed (a stable object, so nothing re-renders):
 * after its anchor's row, or before the first row when the list no longer reaches back that far.
 */
export function holeView(list: MessageList, mark: HoleMark, previous: MessageHole | undefined): MessageHole {
  const { anchor } = mark;
  let after: string | undefined;
  // The anchor's row, or when it was deleted meanwhile, the last row older than it: rows are oldest first, so
  // the last row at or before the anchor is either.
  for (let index = list.sent.length - 1; anchor !== undefined && after === undefined && index >= 0; index--) {
    const row = list.sent[index];
    if (row !== undefined && atOrBefore(row, anchor)) after = row.key;
  }
  const { reason, missed_from, missed_to } = mark;
  if (
    previous?.reason === reason &&
    previous.missed_from === missed_from &&
    previous.missed_to === missed_to &&
    previous.after === after
  ) {
    return previous;
  }
  return { reason, missed_from, missed_to, after };
}
