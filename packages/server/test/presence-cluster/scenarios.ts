import { expect } from 'vitest';
import { connectClient, type Frame, type TestClient } from '../helpers/ws-client';

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

/** Waits (event-driven, with a deadline) for a frame of `type` matching `where`, among all received so far and later. */
export async function frameMatching(
  client: TestClient,
  type: string,
  where: (frame: Frame) => boolean,
  timeoutMs = 5000,
): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = client.all(type).find(where);
    if (found !== undefined) return found;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no matching "${type}" within ${timeoutMs} ms`);
    await client.next(type, left).catch(() => undefined);
  }
}

const isGlobal = (frame: Frame) => frame.payload?.room_id === undefined;
const inRoom = (roomId: string) => (frame: Frame) => frame.payload?.room_id === roomId;
const about = (userId: string) => (frame: Frame) =>
  (frame.payload?.presence?.user_id ?? frame.payload?.user_id) === userId;

/** Global presence frames about one user, in arrival order. */
export function globalAbout(client: TestClient, userId: string): Frame[] {
  return client.frames.filter((frame) => frame.type.startsWith('presence.') && isGlobal(frame) && about(userId)(frame));
}

export function roomAbout(client: TestClient, roomId: string, userId: string): Frame[] {
  return client.frames.filter(
    (frame) => frame.type.startsWith('presence.') && inRoom(roomId)(frame) && about(userId)(frame),
  );
}

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

/** A user with a device on each instance: one join, an update for the second device, a leave only after both. */
export async function devicesOnBothInstances(a: Endpoint, b: Endpoint): Promise<void> {
  const { client: watcherA } = await identify(a, 'watcher-a');
  const { client: watcherB } = await identify(b, 'watcher-b');
  await frameMatching(watcherA, 'presence.join', about('watcher-b'));
  const { client: laptop } = await identify(a, 'ann', { device_id: 'laptop', device_type: 'desktop' });
  for (const watcher of [watcherA, watcherB]) await frameMatching(watcher, 'presence.join', about('ann'));

  const { client: phone, ready } = await identify(b, 'ann', { device_id: 'phone', device_type: 'mobile' });
  expect(ready.payload.presence.map((entry: { user_id: string }) => entry.user_id).sort()).toEqual([
    'ann',
    'watcher-a',
    'watcher-b',
  ]);
  for (const watcher of [watcherA, watcherB]) {
    const update = await frameMatching(
      watcher,
      'presence.update',
      (frame) => about('ann')(frame) && frame.payload.presence.devices.length === 2,
    );
    expect(update.payload.presence.devices.map((d: { device_id: string }) => d.device_id).sort()).toEqual([
      'laptop',
      'phone',
    ]);
  }

  laptop.close(1000);
  for (const watcher of [watcherA, watcherB]) {
    await frameMatching(
      watcher,
      'presence.update',
      (frame) => about('ann')(frame) && frame.payload.presence.devices.length === 1,
    );
  }
  phone.close(1000);
  for (const watcher of [watcherA, watcherB]) await frameMatching(watcher, 'presence.leave', about('ann'));
  await Promise.all([watcherA.barrier(), watcherB.barrier()]);
  for (const watcher of [watcherA, watcherB]) {
    expect(globalAbout(watcher, 'ann').map((frame) => frame.type)).toEqual([
      'presence.join',
      'presence.update',
      'presence.update',
      'presence.leave',
    ]);
  }
  // The user's own devices are never told about themselves.
  expect(globalAbout(phone, 'ann')).toEqual([]);
}

/** Room-scoped presence.join/leave once across instances, and room membership counted on every instance. */
export async function roomPresenceOnce(a: Endpoint, b: Endpoint, roomId: string): Promise<void> {
  const { client: hostA } = await identify(a, 'host-a');
  await subscribe(hostA, roomId);
  const { client: hostB } = await identify(b, 'host-b');
  await subscribe(hostB, roomId);
  await frameMatching(hostA, 'presence.join', (f) => inRoom(roomId)(f) && about('host-b')(f));

  const { client: guestA } = await identify(a, 'guest', { device_id: 'one' });
  const { client: guestB } = await identify(b, 'guest', { device_id: 'two' });
  await subscribe(guestA, roomId);
  for (const host of [hostA, hostB])
    await frameMatching(host, 'presence.join', (f) => inRoom(roomId)(f) && about('guest')(f));
  const subscribed = await subscribe(guestB, roomId);
  expect(subscribed.payload.rooms[0].members.map((m: { user_id: string }) => m.user_id).sort()).toEqual([
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
  for (const host of [hostA, hostB])
    await frameMatching(host, 'presence.leave', (f) => inRoom(roomId)(f) && about('guest')(f));
  await Promise.all([hostA.barrier(), hostB.barrier()]);
  for (const host of [hostA, hostB]) {
    expect(roomAbout(host, roomId, 'guest').map((frame) => frame.type)).toEqual(['presence.join', 'presence.leave']);
  }
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
  await frameMatching(witness, 'presence.join', (f) => inRoom(roomId)(f) && about('alice')(f));

  const { client: bob, ready } = await identify(b, 'bob');
  const alicePresence = ready.payload.presence.find((entry: { user_id: string }) => entry.user_id === 'alice');
  expect(alicePresence).toMatchObject({ user_id: 'alice', status: 'dnd', devices: [{ status: 'dnd' }] });
  const subscribed = await subscribe(bob, roomId);
  expect(subscribed.payload.rooms[0].members.map((m: { user_id: string }) => m.user_id).sort()).toEqual([
    'alice',
    'bob',
    'witness',
  ]);
}
