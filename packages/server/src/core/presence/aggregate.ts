import type { PresenceDevice, PresenceEntry, PresenceStatus } from '@gateway/protocol';

/** How present each status makes a user; invisible devices count as absent to others. */
const RANK: Record<Exclude<PresenceStatus, 'invisible'>, number> = { online: 3, dnd: 2, idle: 1 };

/** The "most present" status over a user's visible devices; undefined when none is visible (offline to others). */
export function aggregateStatus(devices: readonly PresenceDevice[]): PresenceStatus | undefined {
  let best: Exclude<PresenceStatus, 'invisible'> | undefined;
  for (const device of devices) {
    if (device.status === 'invisible') continue;
    if (best === undefined || RANK[device.status] > RANK[best]) best = device.status;
  }
  return best;
}

/** How a user's presence changed, as others see it. */
export type PresenceChange =
  | { readonly kind: 'join'; readonly entry: PresenceEntry }
  | { readonly kind: 'update'; readonly entry: PresenceEntry }
  | { readonly kind: 'leave'; readonly userId: string };

/** The change from `before` to `after`; undefined when the user was and stays invisible or offline. */
export function changeBetween(
  userId: string,
  before: PresenceEntry | undefined,
  after: PresenceEntry | undefined,
): PresenceChange | undefined {
  if (after !== undefined) return { kind: before === undefined ? 'join' : 'update', entry: after };
  return before === undefined ? undefined : { kind: 'leave', userId };
}
