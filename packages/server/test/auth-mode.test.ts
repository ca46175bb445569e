import { describe, expect, it } from 'vitest';
import { createGateway, createJwtVerifier, resolveAuth } from '../src/index';
import { ManualClock } from './helpers/manual-clock';
import { startTestServer } from './helpers/server';
import { SECRET } from './helpers/tokens';

describe('auth mode', () => {
  it('reports custom for an app verifier, jwt for JWT_SECRET and dev for neither, on /health and in stats', async () => {
    const verifyToken = async (token: string) => ({ id: token });
    const custom = await startTestServer({ verifyToken });
    expect(custom.server.gateway.mode).toBe('custom');
    expect(await (await fetch(`${custom.server.url}/health`)).json()).toMatchObject({ mode: 'custom' });
    expect(custom.server.gateway.stats().mode).toBe('custom');
    // A verifier wins over a secret given beside it.
    const both = await startTestServer({ verifyToken, jwtSecret: SECRET });
    expect(both.server.gateway.mode).toBe('custom');
    const jwt = await startTestServer({ jwtSecret: SECRET });
    expect(await (await fetch(`${jwt.server.url}/health`)).json()).toMatchObject({ mode: 'jwt' });
    const dev = await startTestServer();
    expect(dev.server.gateway.stats().mode).toBe('dev');
  });

  it('tells the modes apart for the core alone', () => {
    const clock = new ManualClock();
    expect(resolveAuth({ verifyToken: async () => null }).mode).toBe('custom');
    expect(createGateway({ clock, verifyToken: async () => null }).mode).toBe('custom');
    const fromSecret = resolveAuth({ jwtSecret: SECRET });
    expect(fromSecret.mode).toBe('jwt');
    const verifyToken = fromSecret.verifyToken;
    if (verifyToken === undefined) throw new Error('a JWT secret gives a verifier');
    expect(createGateway({ clock, verifyToken }).mode).toBe('jwt');
    expect(createGateway({ clock, verifyToken: createJwtVerifier(SECRET) }).mode).toBe('jwt');
    expect(createGateway({ clock }).mode).toBe('dev');
  });
});
