import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { run } from '../src/run';
import { startGateway } from './helpers/gateway';
import { runUntilStopped, testIo } from './helpers/io';
import { ManualClock } from './helpers/manual-clock';

const SECRET = 'a-secret-long-enough-for-hs256-tokens';

/** Mints a token in-process at the real time (the server checks it against its own clock). */
async function mint(argv: string[], env: Record<string, string> = { JWT_SECRET: SECRET }): Promise<string> {
  const t = testIo({ env, clock: new ManualClock(Date.now()) });
  expect(await run(['token', ...argv], t.io), t.stderr()).toBe(0);
  expect(t.stdout()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  return t.stdout().trim();
}

/** Runs `tail` with the token until it is connected (the ready line) or has exited (its code). */
async function tailWith(wsUrl: string, token: string): Promise<{ ready?: string; exit?: number; stderr: string }> {
  const t = testIo({ env: { GATEWAY_TOKEN: token } });
  const exit = runUntilStopped(['tail', 'lobby', '--url', wsUrl], t);
  try {
    const ready = await t.nextLine((line) => line.includes('connected to'), 'the ready line');
    t.interrupt();
    expect(await exit).toBe(0);
    return { ready, stderr: t.stderr() };
  } catch {
    return { exit: await exit, stderr: t.stderr() };
  }
}

describe('gateway token', () => {
  it('mints an HS256 token with the claims the server reads, which the server (JWT mode) accepts', async () => {
    const server = await startGateway({ jwtSecret: SECRET });
    const clock = new ManualClock(Date.now());
    const t = testIo({ env: { JWT_SECRET: SECRET }, clock });
    expect(await run(['token', '--sub', 'bot-1', '--name', 'Support bot', '--ttl', '8h'], t.io)).toBe(0);
    const token = t.stdout().trim();
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const iat = Math.floor(clock.now() / 1000);
    expect(decodeJwt(token)).toEqual({ sub: 'bot-1', name: 'Support bot', iat, exp: iat + 8 * 3600 });

    const { ready } = await tailWith(server.wsUrl, token);
    expect(ready).toContain('as Support bot (bot-1)');
  });

  it('lasts an hour by default and takes --secret instead of JWT_SECRET', async () => {
    const token = await mint(['--sub', 'u1', '--secret', SECRET], {});
    const { iat = 0, exp = 0, name } = decodeJwt(token);
    expect(exp - iat).toBe(3600);
    expect(name).toBeUndefined();
    const server = await startGateway({ jwtSecret: SECRET });
    expect((await tailWith(server.wsUrl, token)).ready).toContain('as u1 ');
  });

  it('carries the audience and issuer of JWT_AUDIENCE and JWT_ISSUER, as a server checking them needs', async () => {
    const server = await startGateway({ jwtSecret: SECRET, jwtAudience: ['app'], jwtIssuer: ['https://auth.example'] });
    const env = { JWT_SECRET: SECRET, JWT_AUDIENCE: ' app , admin', JWT_ISSUER: 'https://auth.example' };
    const token = await mint(['--sub', 'u1'], env);
    expect(decodeJwt(token)).toMatchObject({ aud: 'app', iss: 'https://auth.example' });
    expect((await tailWith(server.wsUrl, token)).ready).toContain('as u1 ');

    const flagged = await mint(['--sub', 'u1', '--audience', 'app', '--issuer', 'https://auth.example']);
    expect((await tailWith(server.wsUrl, flagged)).ready).toContain('as u1 ');

    const without = await tailWith(server.wsUrl, await mint(['--sub', 'u1']));
    expect(without.exit).toBe(1);
    expect(without.stderr).toContain('(4401');
  });

  it('allows up to MAX_TOKEN_LIFETIME_MS: 24 h by default, more when the server is set so', async () => {
    expect(decodeJwt(await mint(['--sub', 'u1', '--ttl', '24h']))).toBeDefined();
    const env = { JWT_SECRET: SECRET, MAX_TOKEN_LIFETIME_MS: String(48 * 3_600_000) };
    const { iat = 0, exp = 0 } = decodeJwt(await mint(['--sub', 'u1', '--ttl', '2d'], env));
    expect(exp - iat).toBe(48 * 3600);
  });

  it.each([
    [[], {}, '--sub is required'],
    [['--sub', 'x'.repeat(129)], {}, '--sub must be a user id'],
    [['--sub', 'lone\ud800'], {}, '--sub must be a user id'],
    [['--sub', 'u1', '--name', 'n'.repeat(65)], {}, '--name must be 1 to 64 characters'],
    [['--sub', 'u1', '--ttl', '25h'], {}, 'longer than the server keeps a connection on one token'],
    [['--sub', 'u1', '--ttl', '2h'], { MAX_TOKEN_LIFETIME_MS: '3600000' }, '(MAX_TOKEN_LIFETIME_MS, 1 h)'],
    [['--sub', 'u1', '--ttl', '60'], {}, '--ttl must be a duration'],
    [['--sub', 'u1', '--ttl', '500ms'], {}, '--ttl must be a duration'],
    [['--sub', 'u1', '--audience', ''], {}, '--audience and --issuer cannot be empty'],
    [['--sub', 'u1', 'extra'], {}, "Unexpected argument 'extra'"],
  ])('refuses %j with exit 2 and the reason', async (argv, env, message) => {
    const t = testIo({ env: { JWT_SECRET: SECRET, ...env } });
    expect(await run(['token', ...argv], t.io)).toBe(2);
    expect(t.stderr()).toContain(message);
    expect(t.stderr()).toContain('Usage: gateway token');
    expect(t.stdout()).toBe('');
  });

  it('refuses to mint without a secret', async () => {
    const t = testIo({ env: { JWT_SECRET: '' } });
    expect(await run(['token', '--sub', 'u1'], t.io)).toBe(2);
    expect(t.stderr()).toContain('no secret: set JWT_SECRET');
  });
});
