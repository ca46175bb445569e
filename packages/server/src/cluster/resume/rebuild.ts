import type { BackplaneMessage } from '../../core/ports/backplane';
import type { Anchor, ChannelSpan, StreamEntry } from '../../core/ports/session-store';
import { isPresenceEvent } from '../../core/presence/away';
import { comparePositions } from './positions';

/** The type of the marker messages an instance puts in the stream to learn a position; never a dispatch. */
export const MARKER_TYPE = 'gateway.marker';

export interface NumberedDispatch {
  readonly seq: number;
  readonly message: BackplaneMessage;
}

/**
 * The delivery rule: an entry reaches the session when it is a dispatch on one of its channels, inside that
 * channel's span, and it excludes neither the session nor its user.
 */
export function reaches(
  entry: StreamEntry,
  channels: Readonly<Record<string, ChannelSpan>>,
  sessionId: string,
  userId: string,
): boolean {
  const { message } = entry;
  if (!message.sequenced || message.type === MARKER_TYPE) return false;
  const span = channels[entry.channel];
  if (span === undefined) return false;
  if (comparePositions(entry.id, span.from) <= 0) return false;
  if (span.to !== undefined && comparePositions(entry.id, span.to) > 0) return false;
  if (message.exclude?.sessions?.includes(sessionId)) return false;
  if (message.exclude?.users?.includes(userId)) return false;
  return true;
}

/**
 * The dispatches a session got after `anchor`, numbered as its holder numbered them: the entries after the
 * anchor's position (in stream order) that the delivery rule lets through, counted on from the anchor's seq.
 * With `away` (the record's `away_from`), presence events after `away.from` were never numbered, since the
 * session was waiting for a resume: they are not counted but collected in `away.missed`, those before the
 * anchor too (an anchor taken while away, at a stop, may be later than `away.from`), so `entries` must start
 * at the earlier of the two positions.
 */
export function rebuildDispatches(
  entries: readonly StreamEntry[],
  channels: Readonly<Record<string, ChannelSpan>>,
  anchor: Anchor,
  sessionId: string,
  userId: string,
  away?: { readonly from: string; readonly missed: StreamEntry[] },
): NumberedDispatch[] {
  const out: NumberedDispatch[] = [];
  let seq = anchor.seq;
  for (const entry of entries) {
    if (away !== undefined && isPresenceEvent(entry.message.type) && comparePositions(entry.id, away.from) > 0) {
      if (reaches(entry, channels, sessionId, userId)) away.missed.push(entry);
      continue;
    }
    if (comparePositions(entry.id, anchor.pos) <= 0) continue;
    if (!reaches(entry, channels, sessionId, userId)) continue;
    seq += 1;
    out.push({ seq, message: entry.message });
  }
  return out;
}

/** The newest anchor a client at `seq` can be rebuilt from: at or before its seq (it has everything up to it). */
export function pickAnchor(anchors: readonly Anchor[], seq: number): Anchor | undefined {
  let best: Anchor | undefined;
  for (const anchor of anchors) if (anchor.seq <= seq && (best === undefined || anchor.seq >= best.seq)) best = anchor;
  return best;
}
