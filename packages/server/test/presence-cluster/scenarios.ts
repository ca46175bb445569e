import { expect } from 'vitest';
import { type ChangeKind, connectClient, type Frame, type PresenceChange, type TestClient } from '../helpers/ws-client';

/** One gateway instance as these scenarios need it: where clients connect, and its HTTP side. */
export interface Endpoint {
  readonly wsUrl: string;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
}

const opened: TestClient[] = [];

/** Closes every client the scenarios opened (call in afterEach). */
export function closeClients(): void {
  // A clean close ends the session at once, so the next test does not meet lingering users.
  for (const client of opened.splice(0)) client.close(1000);
}

/** Connects, identifies (dev mode) and resolves with the client and its ready frame. */
export async function identify(
  at: Endpoint,
  userId: string,
  extra: Record<string, unknown> = {},
): Promise<{ client: TestClient; ready: Frame }> {
  const client = await connectClient(at.wsUrl);
  opened.push(client);
  await client.next('hello');
  client.send({ type: 'identify', payload: { user_id: userId, display_name: userId, ...extra } });
  return { client, ready: await client.next('ready') };
}

let refs = 0;

export async function subscribe(client: TestClient, roomId: string): Promise<Frame> {
  const ref = `sub-${++refs}`;
  client.send({ type: 'subscribe', payload: { room_ids: [roomId] }, ref });
  return client.reply(ref);
}

export async function unsubscribe(client: TestClient, roomId: string): Promise<void> {
  const ref = `unsub-${++refs}`;
  client.send({ type: 'unsubscribe', payload: { room_ids: [roomId] }, ref });
  await client.reply(ref);
}

/**
 * Waits (event-driven, with a deadline) for a diff naming `userId` as `kind` in the scope (`roomId`, or global
 * when undefined) whose entry matches `where`, among all received so far and later.
 */
export async function changeMatching(
  client: TestClient,
  kind: ChangeKind,
  userId: string,
  roomId: string | undefined,
  where: (change: PresenceChange) => boolean = () => true,
  timeoutMs = 5000,
): Promise<PresenceChange> {
  const deadline = Date.now() + timeoutMs;
  const matches = (change: PresenceChange) =>
    change.kind === kind && change.userId === userId && change.roomId === roomId && where(change);
  for (;;) {
    const found = client.changes().find(matches);
    if (found !== undefined) return found;
    const left = deadline - Date.now();
    if (left <= 0)
      throw new Error(`no diff naming ${userId} ${kind} in ${roomId ?? 'the global scope'} within ${timeoutMs} ms`);
    await client.nextChange(kind, userId, roomId, left).catch(() => undefined);
  }
}

/** How the global scope's diffs named one user, in arrival order. */
export function globalAbout(client: TestClient, userId: string): ChangeKind[] {
  return client
    .changes()
    .filter((change) => change.roomId === undefined && change.userId === userId)
    .map((change) => change.kind);
}

/** How a room's diffs named one user, in arrival order. */
export function roomAbout(client: TestClient, roomId: string, userId: string): ChangeKind[] {
  return client
    .changes()
    .filter((change) => change.roomId === roomId && change.userId === userId)
    .map((change) => change.kind);
}

const devicesOf = (change: PresenceChange): string[] =>
  change.entry.devices.map((device: { device_id: string }) => device.device_id).sort();

async function roomStatus(at: Endpoint, roomId: string): Promise<{ online_users: string[]; connection_count: number }> {
  const response = await fetch(`${at.url}/rooms/${roomId}`, { signal: AbortSignal.timeout(3000) });
  return (await response.json()) as { online_users: string[]; connection_count: number };
}

/** Polls `/rooms/:id` (bounded) until `check` holds; returns the last answer. */
export async function roomUntil(
  at: Endpoint,
  roomId: string,
  check: (status: { online_users: string[]; connection_count: number }) => boolean,
  timeoutMs = 5000,
): Promise<{ online_users: string[]; connection_count: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await roomStatus(at, roomId);
    if (check(status) || Date.now() > deadline) return status;
    // A round trip to the instance paces the loop; no timer.
    await fetch(`${at.url}/health`, { signal: AbortSignal.timeout(3000) });
  }
}

/**
 * A user with a device on each instance: one join, an update for the second device, a leave only after both;
 * the user's own devices hear of each other in the same diffs.
 */
export async function devicesOnBothInstances(a: Endpoint, b: Endpoint): Promise<void> {
  const { client: watcherA } = await identify(a, 'watcher-a');
  const { client: watcherB } = await identify(b, 'watcher-b');
  await changeMatching(watcherA, 'joined', 'watcher-b', undefined);
  const { client: laptop } = await identify(a, 'ann', { device_id: 'laptop', device_type: 'desktop' });
  for (const watcher of [watcherA, watcherB]) await changeMatching(watcher, 'joined', 'ann', undefined);

  const { client: phone, ready } = await identify(b, 'ann', { device_id: 'phone', device_type: 'mobile' });
  expect(ready.payload.presence.map((entry: { user_id: string }) => entry.user_id).sort()).toEqual([
    'ann',
    'watcher-a',
    'watcher-b',
  ]);
  for (const watcher of [watcherA, watcherB, laptop]) {
    const update = await changeMatching(watcher, 'updated', 'ann', undefined, (c) => c.entry.devices.length === 2);
    expect(devicesOf(update)).toEqual(['laptop', 'phone']);
    // A second device is no one more online.
    expect(update.frame.payload.count).toBe(3);
  }

  laptop.close(1000);
  for (const watcher of [watcherA, watcherB, phone]) {
    const update = await changeMatching(watcher, 'updated', 'ann', undefined, (c) => c.entry.devices.length === 1);
    expect(devicesOf(update)).toEqual(['phone']);
  }
  phone.close(1000);
  for (const watcher of [watcherA, watcherB]) {
    const leave = await changeMatching(watcher, 'left', 'ann', undefined);
    expect(leave.frame.payload).toEqual({ left: ['ann'], count: 2 });
  }
  await Promise.all([watcherA.barrier(), watcherB.barrier()]);
  for (const watcher of [watcherA, watcherB]) {
    expect(globalAbout(watcher, 'ann')).toEqual(['joined', 'updated', 'updated', 'left']);
  }
}

/** Room-scoped joins and leaves once across instances, and room membership counted on every instance. */
export async function roomPresenceOnce(a: Endpoint, b: Endpoint, roomId: string): Promise<void> {
  const { client: hostA } = await identify(a, 'host-a');
  await subscribe(hostA, roomId);
  const { client: hostB } = await identify(b, 'host-b');
  await subscribe(hostB, roomId);
  await changeMatching(hostA, 'joined', 'host-b', roomId);

  const { client: guestA } = await identify(a, 'guest', { device_id: 'one' });
  const { client: guestB } = await identify(b, 'guest', { device_id: 'two' });
  await subscribe(guestA, roomId);
  for (const host of [hostA, hostB]) {
    const join = await changeMatching(host, 'joined', 'guest', roomId);
    expect(join.frame.payload.count).toBe(3);
  }
  const subscribed = await subscribe(guestB, roomId);
  expect(subscribed.payload.rooms[0].member_count).toBe(3);
  expect(subscribed.payload.rooms[0].members.map((m: { user_id: string }) => m.user_id)).toEqual([
    'guest',
    'host-a',
    'host-b',
  ]);
  for (const at of [a, b]) {
    const status = await roomUntil(at, roomId, (s) => s.connection_count === 4);
    expect(status.online_users.sort()).toEqual(['guest', 'host-a', 'host-b']);
    expect(status.connection_count).toBe(4);
  }

  await unsubscribe(guestA, roomId);
  // Still in the room on B: no leave. The next leave comes only after the second device goes.
  await unsubscribe(guestB, roomId);
  for (const host of [hostA, hostB]) {
    const leave = await changeMatching(host, 'left', 'guest', roomId);
    expect(leave.frame.payload).toEqual({ room_id: roomId, left: ['guest'], count: 2 });
  }
  await Promise.all([hostA.barrier(), hostB.barrier()]);
  for (const host of [hostA, hostB]) expect(roomAbout(host, roomId, 'guest')).toEqual(['joined', 'left']);
  for (const at of [a, b]) {
    const status = await roomUntil(at, roomId, (s) => s.connection_count === 2);
    expect(status.online_users.sort()).toEqual(['host-a', 'host-b']);
  }
}

/** ready.presence and subscribed.members name users on the other instance. */
export async function snapshotsSeeOtherInstance(a: Endpoint, b: Endpoint, roomId: string): Promise<void> {
  const { client: witness } = await identify(b, 'witness');
  await subscribe(witness, roomId);
  const { client: alice } = await identify(a, 'alice', { presence: { status: 'dnd' } });
  await subscribe(alice, roomId);
  // Once a client on B has heard the room's join, B's table has applied alice's deltas (they went first).
  await changeMatching(witness, 'joined', 'alice', roomId);

  const { client: bob, ready } = await identify(b, 'bob');
  const alicePresence = ready.payload.presence.find((entry: { user_id: string }) => entry.user_id === 'alice');
  expect(alicePresence).toMatchObject({ user_id: 'alice', status: 'dnd', devices: [{ status: 'dnd' }] });
  const subscribed = await subscribe(bob, roomId);
  expect(subscribed.payload.rooms[0].member_count).toBe(3);
  expect(subscribed.payload.rooms[0].members.map((m: { user_id: string }) => m.user_id)).toEqual([
    'alice',
    'bob',
    'witness',
  ]);
}
