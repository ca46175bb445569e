import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloseCode } from '@gateway/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/ports/logger';
import { createModerationEndpoint } from '../src/http/moderation';
import type { DisconnectOptions, Gateway, SendTarget } from '../src/index';
import { ManualClock } from './helpers/manual-clock';
import { startTestServer } from './helpers/server';

const KEY = 'operator-key-for-tests';
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** The endpoint alone on a `node:http` server of 127.0.0.1, port 0; resolves with its URL. */
async function serve(gateway: Pick<Gateway, 'disconnect'>, maxBodyBytes?: number): Promise<string> {
  const endpoint = createModerationEndpoint({
    gateway,
    key: KEY,
    logger: silentLogger,
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  });
  const server = createServer((req, res) => void endpoint(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/moderation/disconnect`;
}

/** A gateway that records what it was asked and answers `disconnected`. */
function recording(disconnected = 0) {
  const calls: Array<[SendTarget, DisconnectOptions | undefined]> = [];
  const gateway: Pick<Gateway, 'disconnect'> = {
    async disconnect(target, options) {
      calls.push([target, options]);
      return { disconnected };
    },
  };
  return { gateway, calls };
}

function post(url: string, body: string, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

describe('POST /moderation/disconnect on the server', () => {
  it('is routed behind the operator key, and does not exist without a key, dev mode included', async () => {
    const keyed = await startTestServer({ operatorKey: KEY, heartbeatIntervalMs: 3_600_000 });
    const { client: ann } = await keyed.join({ user_id: 'ann' });
    const url = `${keyed.server.url}/moderation/disconnect`;
    expect((await post(url, JSON.stringify({ user_id: 'ann' }), {})).status).toBe(401);
    const response = await post(url, JSON.stringify({ user_id: 'ann', reason: 'Spam.' }));
    expect(await response.json()).toEqual({ disconnected: 1 });
    expect((await ann.closed).code).toBe(CloseCode.disconnected);

    const keyless = await startTestServer({ heartbeatIntervalMs: 3_600_000 });
    expect((await post(`${keyless.server.url}/moderation/disconnect`, '{"user_id":"ann"}')).status).toBe(404);
  });
});

describe('POST /moderation/disconnect', () => {
  it('disconnects through the gateway and answers 200 {disconnected}', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ clock, heartbeatIntervalMs: 3_600_000 });
    const { client: ann } = await t.join({ user_id: 'ann' });
    const url = await serve(t.server.gateway);

    const response = await post(url, JSON.stringify({ user_id: 'ann', reason: 'Spam.', ban_ms: 60_000 }));

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ disconnected: 1 });
    expect((await ann.next('goodbye')).payload).toMatchObject({ code: CloseCode.banned });
    const again = await t.connect();
    again.send({ type: 'identify', payload: { user_id: 'ann' } });
    expect((await again.closed).code).toBe(CloseCode.banned);
  });

  it('maps the body onto disconnect’s arguments', async () => {
    const { gateway, calls } = recording(3);
    const url = await serve(gateway);
    expect(await (await post(url, '{"session_id":"s1"}')).json()).toEqual({ disconnected: 3 });
    await post(url, '{"user_id":"u1","reason":"why"}');
    await post(url, '{"user_id":"u2","ban_ms":1000}');
    expect(calls).toEqual([
      [{ sessionId: 's1' }, {}],
      [{ userId: 'u1' }, { reason: 'why' }],
      [{ userId: 'u2' }, { ban: { ms: 1000 } }],
    ]);
  });

  it.each([
    ['no header', {}],
    ['a wrong key', { authorization: 'Bearer nope' }],
    ['the key without its scheme', { authorization: KEY }],
  ])('answers 401 with WWW-Authenticate: Bearer for %s, and disconnects nobody', async (_name, headers) => {
    const { gateway, calls } = recording();
    const url = await serve(gateway);
    const response = await post(url, '{"user_id":"ann"}', headers);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toEqual({ error: 'unauthorized' });
    expect(calls).toHaveLength(0);
  });

  it('answers 405 to anything but POST', async () => {
    const url = await serve(recording().gateway);
    const response = await fetch(url, { headers: { authorization: `Bearer ${KEY}` } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it.each([
    ['not JSON', '{"user_id":', 'invalid_json', '(root)', /not valid JSON/],
    ['not an object', '["ann"]', 'invalid_request', '(root)', /JSON object/],
    ['no target', '{"reason":"x"}', 'invalid_request', '(root)', /exactly one of user_id and session_id/],
    ['both targets', '{"user_id":"a","session_id":"s"}', 'invalid_request', '(root)', /exactly one/],
    ['an empty user id', '{"user_id":""}', 'invalid_request', 'user_id', /at most 128/],
    ['a numeric session id', '{"session_id":7}', 'invalid_request', 'session_id', /string/],
    ['a long reason', JSON.stringify({ user_id: 'a', reason: 'x'.repeat(257) }), 'invalid_request', 'reason', /256/],
    ['a negative ban', '{"user_id":"a","ban_ms":-1}', 'invalid_request', 'ban_ms', /positive integer/],
    ['a ban as text', '{"user_id":"a","ban_ms":"60000"}', 'invalid_request', 'ban_ms', /positive integer/],
    ['a misspelt field', '{"user_id":"a","ban":60000}', 'invalid_request', 'ban', /Unknown field/],
  ])('answers 400 for %s, naming what is wrong, and disconnects nobody', async (_name, body, error, path, message) => {
    const { gateway, calls } = recording();
    const url = await serve(gateway);
    const response = await post(url, body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; issues: Array<{ path: string; message: string }> };
    expect(answer.error).toBe(error);
    expect(answer.issues).toContainEqual({ path, message: expect.stringMatching(message) });
    expect(calls).toHaveLength(0);
  });

  it('answers 413 to a body over the cap, declared or not', async () => {
    const { gateway, calls } = recording();
    const url = await serve(gateway, 64);
    const big = JSON.stringify({ user_id: 'a', reason: 'x'.repeat(100) });
    const declared = await post(url, big);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: 'payload_too_large', max_bytes: 64 });
    // Streamed without a length: read up to the cap, then refused.
    const chunked = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(calls).toHaveLength(0);
  });

  it('answers 503 when the ban could not be stored (nobody was disconnected)', async () => {
    const url = await serve({
      disconnect: () => Promise.reject(new Error('Stream isn’t writeable')),
    });
    const response = await post(url, '{"user_id":"ann","ban_ms":1000}');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'unavailable' });
  });
});
