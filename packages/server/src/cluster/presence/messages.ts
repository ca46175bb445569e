import type { BackplaneMessage } from '../../core/ports/backplane';
import { isPresenceDelta, type PresenceDelta } from '../../core/presence/delta';

/** The type the internal `presence` channel's messages carry; never delivered to clients. */
const PRESENCE_TYPE = 'presence.delta';

/** What travels on the `presence` channel: a delta, or a bootstrapping instance's hello. */
export type PresenceMessage =
  | { readonly kind: 'delta'; readonly delta: PresenceDelta }
  /** An instance hearing its own hello knows its subscription to the channel is live. */
  | { readonly kind: 'hello'; readonly origin: string; readonly nonce: string };

export function deltaMessage(delta: PresenceDelta): BackplaneMessage {
  return { type: PRESENCE_TYPE, body: JSON.stringify(delta), sequenced: false };
}

export function helloMessage(origin: string, nonce: string): BackplaneMessage {
  return { type: PRESENCE_TYPE, body: JSON.stringify({ op: 'hello', origin, nonce }), sequenced: false };
}

/** A message read off the channel; undefined for anything malformed (another program must not break a table). */
export function readPresenceMessage(text: string): PresenceMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { op, origin, nonce } = parsed as Record<string, unknown>;
  if (op === 'hello') {
    return typeof origin === 'string' && typeof nonce === 'string' ? { kind: 'hello', origin, nonce } : undefined;
  }
  return isPresenceDelta(parsed) ? { kind: 'delta', delta: parsed } : undefined;
}

/** Who sent it: the instance whose change or hello it is. */
export function originOf(message: PresenceMessage): string {
  return message.kind === 'hello' ? message.origin : message.delta.origin;
}
