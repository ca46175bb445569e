import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server';

describe('HTTP endpoints', () => {
  it('GET /health answers status and the connection count', async () => {
    const t = await startTestServer();
    await t.join({ user_id: 'a' });
    await t.connect();
    const res = await fetch(`${t.server.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ status: 'ok', connections: 2, mode: 'dev' });
  });

  it('GET /stats answers the gateway stats', async () => {
    const t = await startTestServer({ serverId: 'gw-1' });
    await t.joinRooms('a', ['r1', 'r2']);
    const stats = await (await fetch(`${t.server.url}/stats`)).json();
    expect(stats).toMatchObject({ server_id: 'gw-1', connections: 1, sessions: 1, users: 1, rooms: 2, mode: 'dev' });
    expect(stats.frames_in).toBeGreaterThanOrEqual(2);
    expect(stats.frames_out).toBeGreaterThanOrEqual(3);
  });

  it('GET /rooms/:id answers the room status', async () => {
    const t = await startTestServer();
    const a = await t.joinRooms('a', ['room 1']);
    await t.joinRooms('a', ['room 1']);
    await t.joinRooms('b', ['room 1']);
    a.send({ type: 'chat.send', payload: { room_id: 'room 1', client_msg_id: 'c', content: 'hello' } });
    await a.next('chat.message');
    const room = await (await fetch(`${t.server.url}/rooms/${encodeURIComponent('room 1')}`)).json();
    expect(room).toMatchObject({
      room_id: 'room 1',
      online_users: ['a', 'b'],
      online_count: 2,
      connection_count: 3,
      recent_messages: [{ content: 'hello', sender_id: 'a' }],
    });
  });

  it('serves the demo files, and a build hint when they are missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>demo</title>');
    await writeFile(join(dir, 'demo.js'), 'console.log(1)');
    const t = await startTestServer({ demoDir: dir });
    const page = await fetch(`${t.server.url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<title>demo</title>');
    const js = await fetch(`${t.server.url}/demo.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toBe('console.log(1)');
    expect((await fetch(`${t.server.url}/demo.js.map`)).status).toBe(404);

    const empty = await startTestServer({ demoDir: join(dir, 'missing') });
    const hint = await fetch(`${empty.server.url}/`);
    expect(hint.status).toBe(200);
    expect(await hint.text()).toMatch(/build/);
  });

  it('serves / as HTML by default', async () => {
    const t = await startTestServer();
    const res = await fetch(`${t.server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/<html/i);
  });

  it('answers 404 JSON for anything else, and refuses upgrades off /ws', async () => {
    const t = await startTestServer();
    const res = await fetch(`${t.server.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_found' });
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`${t.server.url.replace('http', 'ws')}/elsewhere`);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.on('unexpected-response', (_req, response) => resolve(response.statusCode));
      ws.on('error', () => resolve(undefined));
    });
    expect(status).toBe(404);
  });
});
