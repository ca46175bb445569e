import { parsePreparedPayload } from '@gateway/protocol';
import type { BackplaneMessage } from '../core/ports/backplane';

/**
 * The payload of a message instances send each other, as an object of unknown fields; empty when it is not
 * one. Each field is checked where it is read: another program on the same Redis must not break anything.
 */
export function payloadFields(message: BackplaneMessage): Record<string, unknown> {
  try {
    const payload = parsePreparedPayload(message);
    return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
