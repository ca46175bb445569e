import { defineEvent } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { createPublisher, PublishError } from '../../src/index';
import { startTestServer } from '../helpers/server';
import type { TestClient } from '../helpers/ws-client';

const KEY = 'publish-key-for-tests';
const notice = defineEvent('app.notice', z.object({ text: z.string() }), { direction: 'server' });
const poke = defineEvent('app.poke', z.object({}), { direction: 'client' });
const events = [notice, poke] as const;

/** `key` null sends no Authorization header. */
function post(url: string, body: unknown, key: string | null = KEY, raw?: string): Promise<Response> {
  return fetch(`${url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    body: raw ?? JSON.stringify(body),
  });
}

const systemPayload = (message: string) => ({ message, level: 'info' });

/** Every client hears a last dispatch to everyone: whatever was published before has arrived (or never will). */
async function settle(t: Awaited<ReturnType<typeof startTestServer<typeof events>>>, clients: TestClient[]) {
  t.server.gateway.broadcast('app.notice', { text: 'settled' });
  for (const client of clients) {
    for (let i = 0; i < 100; i++) {
      const frame = await client.next('app.notice');
      if (frame.payload.text === 'settled') break;
    }
  }
}

describe('POST /publish', () => {
  it('answers 404 when no publish key is configured', async () => {
    const t = await startTestServer();
    const res = await post(t.server.url, { all: true, type: 'system', payload: systemPayload('x') });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_found' });
  });

  it('answers 401 without the key or with a wrong one, and 405 to anything but POST', async () => {
    const t = await startTestServer({ publishKey: KEY });
    const body = { all: true, type: 'system', payload: systemPayload('x') };
    for (const key of [null, 'wrong', `${KEY}x`, '']) {
      const res = await post(t.server.url, body, key);
      expect(res.status, String(key)).toBe(401);
      expect(await res.json()).toEqual({ error: 'unauthorized' });
    }
    const get = await fetch(`${t.server.url}/publish`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('answers 400 with the issues for a bad target, type, payload or body', async () => {
    const t = await startTestServer({ publishKey: KEY, events });
    const cases: Array<[unknown, string, string]> = [
      [{ type: 'system', payload: systemPayload('x') }, 'invalid_target', '(root)'],
      [{ room: 'r', user: 'u', type: 'system', payload: systemPayload('x') }, 'invalid_target', '(root)'],
      [{ room: '', type: 'system', payload: systemPayload('x') }, 'invalid_target', 'room'],
      [{ user: 7, type: 'system', payload: systemPayload('x') }, 'invalid_target', 'user'],
      [{ all: 'yes', type: 'system', payload: systemPayload('x') }, 'invalid_target', 'all'],
      [{ all: true, type: 'nope.nothing', payload: {} }, 'invalid_type', 'type'],
      [{ all: true, type: 'hello', payload: {} }, 'invalid_type', 'type'],
      [{ all: true, type: 'ack', payload: {} }, 'invalid_type', 'type'],
      [{ all: true, type: 'app.poke', payload: {} }, 'invalid_type', 'type'],
      [{ all: true, payload: {} }, 'invalid_type', 'type'],
      [{ all: true, type: 'system' }, 'invalid_payload', 'payload'],
      [{ all: true, type: 'system', payload: { level: 'info' } }, 'invalid_payload', 'payload.message'],
      [{ all: true, type: 'app.notice', payload: { text: 3 } }, 'invalid_payload', 'payload.text'],
      [[1, 2], 'invalid_target', '(root)'],
    ];
    for (const [body, error, path] of cases) {
      const res = await post(t.server.url, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const answer = await res.json();
      expect(answer.error, JSON.stringify(body)).toBe(error);
      expect(answer.issues[0].path, JSON.stringify(body)).toBe(path);
    }
    const broken = await post(t.server.url, undefined, KEY, '{"all":');
    expect(broken.status).toBe(400);
    expect((await broken.json()).error).toBe('invalid_json');
  });

  it('answers 413 to a body over the cap', async () => {
    const t = await startTestServer({ publishKey: KEY, publishMaxBytes: 1024 });
    const res = await post(t.server.url, { all: true, type: 'system', payload: systemPayload('x'.repeat(2000)) });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toBe('payload_too_large');
    const fits = await post(t.server.url, { all: true, type: 'system', payload: systemPayload('x'.repeat(500)) });
    expect(fits.status).toBe(202);
  });

  it('delivers to a room: its members get it once, others nothing', async () => {
    const t = await startTestServer({ publishKey: KEY, events });
    const inRoom = await t.joinRooms('ann', ['r1']);
    const alsoInRoom = await t.joinRooms('bob', ['r1', 'r2']);
    const elsewhere = await t.joinRooms('cid', ['r2']);
    const res = await post(t.server.url, { room: 'r1', type: 'system', payload: systemPayload('to r1') });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: true });
    for (const client of [inRoom, alsoInRoom]) {
      const frame = await client.next('system');
      expect(frame.payload).toEqual(systemPayload('to r1'));
      expect(typeof frame.seq).toBe('number');
    }
    await settle(t, [inRoom, alsoInRoom, elsewhere]);
    expect(inRoom.all('system')).toHaveLength(1);
    expect(alsoInRoom.all('system')).toHaveLength(1);
    expect(elsewhere.all('system')).toHaveLength(0);
  });

  it('delivers to every device of a user, and to everyone', async () => {
    const t = await startTestServer({ publishKey: KEY, events });
    const { client: phone } = await t.join({ user_id: 'ann', device_id: 'phone' });
    const { client: laptop } = await t.join({ user_id: 'ann', device_id: 'laptop' });
    const { client: other } = await t.join({ user_id: 'bob' });
    expect((await post(t.server.url, { user: 'ann', type: 'app.notice', payload: { text: 'for ann' } })).status).toBe(
      202,
    );
    expect((await post(t.server.url, { all: true, type: 'system', payload: systemPayload('all') })).status).toBe(202);
    for (const client of [phone, laptop, other]) expect((await client.next('system')).payload.message).toBe('all');
    for (const client of [phone, laptop])
      expect((await client.next('app.notice')).payload).toEqual({ text: 'for ann' });
    await settle(t, [phone, laptop, other]);
    expect(other.all('app.notice').map((frame) => frame.payload.text)).toEqual(['settled']);
    expect(phone.all('app.notice')).toHaveLength(2);
  });

  it('createPublisher posts typed publications and throws PublishError with the issues', async () => {
    const t = await startTestServer({ publishKey: KEY, events });
    const client = await t.joinRooms('ann', ['r1']);
    const publisher = createPublisher({ url: t.server.url, key: KEY, events });
    await publisher.publish({ room: 'r1' }, 'app.notice', { text: 'typed' });
    expect((await client.next('app.notice')).payload).toEqual({ text: 'typed' });

    const refused = await publisher
      .publish({ room: 'r1' }, 'app.notice', { text: 1 } as unknown as { text: string })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PublishError);
    expect(refused).toMatchObject({ status: 400, code: 'invalid_payload', issues: [{ path: 'payload.text' }] });

    const wrongKey = createPublisher({ url: `${t.server.url}/publish`, key: 'nope', events });
    await expect(wrongKey.publish({ all: true }, 'app.notice', { text: 'x' })).rejects.toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
  });
});
