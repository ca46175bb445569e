import type { RoomRecovery } from './entities';

// A module without schemas: the client calls this, and a bundle that imports it must not carry zod.

/**
 * True when the server replays the room from the client's position (its epoch still stands), whether or not
 * that replay is everything: the client keeps its position, and the room's snapshot has no recent messages.
 */
export function recoveryReplays(answer: RoomRecovery): boolean {
  return answer.reason !== 'epoch_changed' && answer.reason !== 'unavailable';
}
