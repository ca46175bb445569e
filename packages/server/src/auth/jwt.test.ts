import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJwtVerifier } from './jwt';
import { resolveAuth } from './resolve';

const SECRET = 'unit-test-secret-that-is-long-enough-for-hs256';
const NOW = Date.UTC(2025, 0, 1);
const now = () => NOW;
const seconds = (ms: number) => Math.floor(ms / 1000);

function sign(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
}

describe('createJwtVerifier: audience and issuer', () => {
  const verify = createJwtVerifier(SECRET, {
    now,
    audience: 'gateway',
    issuer: ['https://a.example', 'https://b.example'],
  });

  it('accepts a token naming an accepted audience (alone or among others) and issuer', async () => {
    expect(await verify(await sign({ sub: 'u', aud: 'gateway', iss: 'https://a.example' }))).toEqual({ id: 'u' });
    expect(await verify(await sign({ sub: 'u', aud: ['billing', 'gateway'], iss: 'https://b.example' }))).toEqual({
      id: 'u',
    });
  });

  it.each([
    ['another audience', { aud: 'billing', iss: 'https://a.example' }],
    ['no audience', { iss: 'https://a.example' }],
    ['another issuer', { aud: 'gateway', iss: 'https://evil.example' }],
    ['no issuer', { aud: 'gateway' }],
  ])('refuses a token with %s', async (_what, claims) => {
    expect(await verify(await sign({ sub: 'u', ...claims }))).toBeNull();
  });

  it('checks neither when not asked to', async () => {
    const open = createJwtVerifier(SECRET, { now });
    expect(await open(await sign({ sub: 'u', aud: 'billing', iss: 'https://evil.example' }))).toEqual({ id: 'u' });
  });

  it('throws at creation for an empty list or an empty value, which would refuse every token', () => {
    expect(() => createJwtVerifier(SECRET, { audience: [] })).toThrow(TypeError);
    expect(() => createJwtVerifier(SECRET, { issuer: '' })).toThrow(TypeError);
  });
});

describe('createJwtVerifier: the user', () => {
  const verify = createJwtVerifier(SECRET, { now });

  it.each([
    ['of 5,000 characters', 'x'.repeat(5_000)],
    ['of 129 characters', 'x'.repeat(129)],
    ['with a lone surrogate', 'user-\ud800'],
    ['that is empty', ''],
  ])('refuses a sub %s', async (_what, sub) => {
    expect(await verify(await sign({ sub }))).toBeNull();
  });

  it('takes a sub of 128, the name claim and the times in ms', async () => {
    const sub = 'x'.repeat(128);
    const token = await sign({ sub, name: 'Ada', iat: seconds(NOW) - 60, exp: seconds(NOW) + 60 });
    expect(await verify(token)).toEqual({
      id: sub,
      display_name: 'Ada',
      issued_at: NOW - 60_000,
      expires_at: NOW + 60_000,
    });
  });
});

describe('resolveAuth', () => {
  it('hands jwtAudience and jwtIssuer to the verifier made from the secret', async () => {
    const { mode, verifyToken } = resolveAuth({ jwtSecret: SECRET, jwtAudience: 'gateway', jwtIssuer: 'idp', now });
    expect(mode).toBe('jwt');
    expect(await verifyToken?.(await sign({ sub: 'u', aud: 'gateway', iss: 'idp' }))).toEqual({ id: 'u' });
    expect(await verifyToken?.(await sign({ sub: 'u', aud: 'other', iss: 'idp' }))).toBeNull();
  });

  it('throws when they come with a custom verifier, which would not check them', () => {
    const verifyToken = async () => null;
    expect(() => resolveAuth({ verifyToken, jwtAudience: 'gateway' })).toThrow(/custom verifyToken/);
    expect(() => resolveAuth({ verifyToken, jwtIssuer: ['idp'] })).toThrow(/custom verifyToken/);
  });
});
