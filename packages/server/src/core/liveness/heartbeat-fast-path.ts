import type { ClientFrameOf } from '@gateway/protocol';

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** The two shapes clients send heartbeats in, byte for byte (the reference client writes the second). */
const BARE = ascii('{"type":"heartbeat"}');
const WITH_SEQ_START = ascii('{"type":"heartbeat","payload":{"last_seq":');
const WITH_SEQ_END = ascii('}}');
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** 15 decimal digits stay below Number.MAX_SAFE_INTEGER, so every such number is a safe integer. */
const MAX_DIGITS = 15;

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/**
 * A heartbeat in exactly one of the two shapes clients send, without decoding, JSON parsing or schema
 * validation: `{"type":"heartbeat"}` or `{"type":"heartbeat","payload":{"last_seq":N}}` with N a
 * non-negative integer in canonical JSON form (no sign, no leading zero, no fraction or exponent) of at
 * most 15 digits. Undefined for anything else, which then takes the full path; so this accepts only
 * frames the schema accepts, with the value the schema would give, and refuses nothing itself. Heartbeats
 * are most of what an idle connection sends, and the full path cost several times as much.
 */
export function matchHeartbeat(data: Uint8Array): ClientFrameOf<'heartbeat'> | undefined {
  if (data.length === BARE.length) return startsWith(data, BARE) ? { type: 'heartbeat' } : undefined;
  const digitsEnd = data.length - WITH_SEQ_END.length;
  const digits = digitsEnd - WITH_SEQ_START.length;
  if (digits < 1 || digits > MAX_DIGITS || !startsWith(data, WITH_SEQ_START)) return undefined;
  if (data[digitsEnd] !== WITH_SEQ_END[0] || data[digitsEnd + 1] !== WITH_SEQ_END[1]) return undefined;
  if (digits > 1 && data[WITH_SEQ_START.length] === DIGIT_0) return undefined;
  let lastSeq = 0;
  for (let i = WITH_SEQ_START.length; i < digitsEnd; i++) {
    const c = data[i] ?? 0;
    if (c < DIGIT_0 || c > DIGIT_9) return undefined;
    lastSeq = lastSeq * 10 + (c - DIGIT_0);
  }
  return { type: 'heartbeat', payload: { last_seq: lastSeq } };
}
