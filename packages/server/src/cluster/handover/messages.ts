import { type Data, PresenceStatus } from '@gateway/protocol';
import type { BackplaneMessage } from '../../core/ports/backplane';

/**
 * What two instances say to move a live session from its holder to the instance its client reached
 * (docs/redis.md, "Handing a session over"). All but `mark` go on the instances' own channels; `mark` goes on
 * every channel the session hears, as the cut between what the holder numbers and what the taker numbers.
 */
export const HANDOVER = {
  /** Taker to holder: the client resumed here from `seq`. */
  ask: 'gateway.handover.ask',
  /** Holder to taker: the session's rooms (subscribed to before the cut) and its device's presence. */
  offer: 'gateway.handover.offer',
  /** Taker to holder: subscribed; cut now. */
  cut: 'gateway.handover.cut',
  /** Holder, on each of the session's channels: before this, the holder's; after it, the taker's. */
  mark: 'gateway.handover.mark',
  /** Holder to taker: the dispatches after the client's seq, in parts; the last part ends the handover. */
  ring: 'gateway.handover.ring',
  /** Either side: the handover is off (the client identifies afresh and recovers its rooms). */
  refuse: 'gateway.handover.refuse',
} as const;

const TYPES: ReadonlySet<string> = new Set(Object.values(HANDOVER));

export function isHandoverMessage(message: BackplaneMessage): boolean {
  return TYPES.has(message.type);
}

export interface AskPayload {
  readonly token: string;
  readonly from: string;
  readonly session_id: string;
  readonly seq: number;
  readonly user_id: string;
}

export interface RingPayload {
  readonly token: string;
  /** `[type, body]` of each dispatch after the client's seq, in order; numbered on from it. */
  readonly dispatches: ReadonlyArray<readonly [string, string]>;
  readonly last: boolean;
}

export function readAsk(fields: Record<string, unknown>): AskPayload | undefined {
  const { token, from, session_id: sessionId, seq, user_id: userId } = fields;
  if (typeof token !== 'string' || typeof from !== 'string' || typeof sessionId !== 'string') return undefined;
  if (typeof userId !== 'string' || typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  return { token, from, session_id: sessionId, seq, user_id: userId };
}

/** What the holder offers: the session's rooms and its device's own presence, as the holder has them. */
export interface Offer {
  readonly rooms: readonly string[];
  readonly status: PresenceStatus;
  readonly data: Data | undefined;
}

export function readOffer(fields: Record<string, unknown>): Offer | undefined {
  const { rooms, status, data } = fields;
  if (!Array.isArray(rooms) || !rooms.every((room) => typeof room === 'string')) return undefined;
  const parsedStatus = PresenceStatus.safeParse(status);
  if (!parsedStatus.success) return undefined;
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) return undefined;
  return { rooms, status: parsedStatus.data, data: data as Data | undefined };
}

export function readRing(fields: Record<string, unknown>): RingPayload | undefined {
  const { token, dispatches, last } = fields;
  if (typeof token !== 'string' || typeof last !== 'boolean' || !Array.isArray(dispatches)) return undefined;
  for (const entry of dispatches) {
    if (!Array.isArray(entry) || entry.length !== 2) return undefined;
    if (typeof entry[0] !== 'string' || typeof entry[1] !== 'string') return undefined;
  }
  return { token, dispatches: dispatches as RingPayload['dispatches'], last };
}

/** Ring parts stay under this many UTF-16 units of bodies, so no one pub/sub message is huge. */
export const RING_PART_UNITS = 256 * 1024;

/** Splits the dispatches into ring parts of at most `RING_PART_UNITS` each (one dispatch may exceed it alone). */
export function ringParts(
  token: string,
  dispatches: ReadonlyArray<readonly [string, string]>,
  maxUnits = RING_PART_UNITS,
): RingPayload[] {
  const parts: RingPayload[] = [];
  let current: Array<readonly [string, string]> = [];
  let units = 0;
  for (const dispatch of dispatches) {
    const size = dispatch[1].length;
    if (current.length > 0 && units + size > maxUnits) {
      parts.push({ token, dispatches: current, last: false });
      current = [];
      units = 0;
    }
    current.push(dispatch);
    units += size;
  }
  parts.push({ token, dispatches: current, last: true });
  return parts;
}

/** Deadline of each wait in a handover: an instance that does not answer by then is taken for gone. */
export const HANDOVER_STEP_MS = 2_000;
