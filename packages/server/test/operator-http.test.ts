import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config';
import { startTestServer } from './helpers/server';

const SECRET = 'operator-test-secret-0123456789abcdef';
const OPERATOR_PATHS = ['/stats', '/rooms/r', '/metrics'];

function token(sub: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).sign(new TextEncoder().encode(SECRET));
}

/** A JWT-mode server where user `u` said "the secret plan" in room `r`. */
async function jwtServerWithAMessage(options: { operatorKey?: string; publishKey?: string } = {}) {
  const t = await startTestServer({ jwtSecret: SECRET, ...options });
  const client = await t.connect();
  client.send({ type: 'identify', payload: { token: await token('u'), subscriptions: ['r'] } });
  await client.next('ready');
  client.send({ type: 'chat.send', payload: { room_id: 'r', client_msg_id: 'c1', content: 'the secret plan' } });
  await client.next('chat.message');
  return t;
}

async function get(url: string, authorization?: string) {
  const response = await fetch(url, authorization === undefined ? {} : { headers: { authorization } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('operator endpoints (issue 12)', () => {
  it('in an authenticated mode without a key, answers 404 and shows nothing of rooms or stats', async () => {
    const t = await jwtServerWithAMessage();
    expect(t.server.operatorEndpoints).toBe('off');
    for (const path of OPERATOR_PATHS) {
      const answer = await get(`${t.server.url}${path}`);
      expect(answer.status, path).toBe(404);
      expect(JSON.parse(answer.text)).toEqual({ error: 'not_found' });
    }
    // Even a guessed key finds nothing to open.
    expect((await get(`${t.server.url}/rooms/r`, 'Bearer guess')).status).toBe(404);
  });

  it('with an operator key: 401 and www-authenticate without it or with a wrong one, the data with it', async () => {
    const t = await jwtServerWithAMessage({ operatorKey: 'op-key', publishKey: 'pub-key' });
    expect(t.server.operatorEndpoints).toBe('key');
    for (const path of OPERATOR_PATHS) {
      for (const authorization of [undefined, 'Bearer wrong', 'op-key', 'Bearer op-key2', 'Bearer pub-key']) {
        const answer = await get(`${t.server.url}${path}`, authorization);
        expect(answer.status, `${path} ${authorization}`).toBe(401);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer');
        expect(answer.text).not.toContain('secret plan');
        expect(answer.text).not.toContain('"u"');
      }
    }
    const room = await get(`${t.server.url}/rooms/r`, 'Bearer op-key');
    expect(room.status).toBe(200);
    expect(JSON.parse(room.text)).toMatchObject({
      online_users: ['u'],
      recent_messages: [{ content: 'the secret plan' }],
    });
    const stats = await get(`${t.server.url}/stats`, 'Bearer op-key');
    expect(JSON.parse(stats.text)).toMatchObject({ mode: 'jwt', connections: 1, users: 1 });
    const metrics = await get(`${t.server.url}/metrics`, 'Bearer op-key');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.text).toMatch(/^gateway_connections 1$/m);
  });

  it('falls back to the publish key when no operator key is set', async () => {
    const t = await jwtServerWithAMessage({ publishKey: 'pub-key' });
    expect((await get(`${t.server.url}/stats`)).status).toBe(401);
    expect((await get(`${t.server.url}/stats`, 'Bearer pub-key')).status).toBe(200);
  });

  it('keeps /health public, with nothing private in it', async () => {
    const t = await jwtServerWithAMessage();
    const health = await get(`${t.server.url}/health`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'ok', connections: 1, mode: 'jwt' });
  });

  it('stays open in dev mode without a key (the dev experience), and asks for the key once one is set', async () => {
    const open = await startTestServer();
    expect(open.server.operatorEndpoints).toBe('open');
    for (const path of OPERATOR_PATHS) expect((await get(`${open.server.url}${path}`)).status, path).toBe(200);
    const keyed = await startTestServer({ operatorKey: 'op-key' });
    for (const path of OPERATOR_PATHS) {
      expect((await get(`${keyed.server.url}${path}`)).status, path).toBe(401);
      expect((await get(`${keyed.server.url}${path}`, 'Bearer op-key')).status, path).toBe(200);
    }
  });

  it('closes them in dev mode run in production (allowDevMode) unless a key is set', async () => {
    const t = await startTestServer({ production: true, allowDevMode: true });
    expect(t.server.operatorEndpoints).toBe('off');
    for (const path of OPERATOR_PATHS) expect((await get(`${t.server.url}${path}`)).status, path).toBe(404);
  });

  it('reads OPERATOR_KEY from the environment', () => {
    expect(readConfig({ OPERATOR_KEY: ' k ' }).operatorKey).toBe('k');
    expect(readConfig({ OPERATOR_KEY: '' }).operatorKey).toBeUndefined();
  });
});
