import { CloseCode } from '@gateway/protocol';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server';

const SECRET = 'test-secret-that-is-long-enough-for-hs256';
const key = new TextEncoder().encode(SECRET);

function sign(claims: Record<string, unknown>, options: { alg?: string; secret?: Uint8Array; exp?: number } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setIssuedAt();
  if (options.exp !== undefined) jwt.setExpirationTime(options.exp);
  return jwt.sign(options.secret ?? key);
}

function unsigned(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

async function identifyWith(token: string | undefined) {
  const t = await startTestServer({ jwtSecret: SECRET });
  const client = await t.connect();
  client.send({ type: 'identify', payload: token === undefined ? { user_id: 'x' } : { token, user_id: 'spoofed' } });
  return client;
}

describe('JWT authentication', () => {
  it('accepts a valid HS256 token: user from sub, name from the name claim', async () => {
    const client = await identifyWith(
      await sign({ sub: 'user-42', name: 'Forty Two' }, { exp: Math.floor(Date.now() / 1000) + 60 }),
    );
    const ready = await client.next('ready');
    expect(ready.payload.user).toEqual({ id: 'user-42', display_name: 'Forty Two' });
  });

  it('closes 4200 for an expired token', async () => {
    const client = await identifyWith(await sign({ sub: 'u' }, { exp: Math.floor(Date.now() / 1000) - 60 }));
    expect((await client.next('goodbye')).payload).toMatchObject({ code: 4200 });
    expect((await client.closed).code).toBe(CloseCode.token_expired);
  });

  it.each([
    [
      'forged with another secret',
      () => sign({ sub: 'u' }, { secret: new TextEncoder().encode('another-secret-entirely') }),
    ],
    ['signed HS512', () => sign({ sub: 'u' }, { alg: 'HS512' })],
    ['alg none', async () => unsigned({ sub: 'u' })],
    ['without sub', () => sign({ name: 'nobody' })],
    ['garbage', async () => 'not-a-jwt'],
  ])('closes 4401 for a token %s', async (_name, make) => {
    const client = await identifyWith(await make());
    expect((await client.next('goodbye')).payload).toMatchObject({ code: 4401, resumable: false });
    expect((await client.closed).code).toBe(CloseCode.authentication_failed);
  });

  it('closes 4401 when jwt mode gets no token', async () => {
    const client = await identifyWith(undefined);
    expect((await client.closed).code).toBe(CloseCode.authentication_failed);
  });

  it('reports the mode on /health and trusts user_id only in dev mode', async () => {
    const jwt = await startTestServer({ jwtSecret: SECRET });
    expect(await (await fetch(`${jwt.server.url}/health`)).json()).toMatchObject({ mode: 'jwt' });
    const dev = await startTestServer();
    expect(await (await fetch(`${dev.server.url}/health`)).json()).toMatchObject({ mode: 'dev' });
    expect((await dev.join({ user_id: 'named' })).ready.payload.user.id).toBe('named');
  });

  it('takes a custom verifyToken instead of JWT', async () => {
    const t = await startTestServer({
      verifyToken: async (token) => (token === 'let-me-in' ? { id: 'custom', display_name: 'C' } : null),
    });
    const ok = await t.connect();
    ok.send({ type: 'identify', payload: { token: 'let-me-in' } });
    expect((await ok.next('ready')).payload.user).toEqual({ id: 'custom', display_name: 'C' });
    const refused = await t.connect();
    refused.send({ type: 'identify', payload: { token: 'nope' } });
    expect((await refused.closed).code).toBe(4401);
  });
});
