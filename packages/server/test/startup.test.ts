import { afterEach, describe, expect, it } from 'vitest';
import { DEV_MODE_WARNING } from '../src/auth/resolve';
import type { Logger } from '../src/core/ports/logger';
import { readConfig, startServer } from '../src/index';

interface Line {
  level: keyof Logger;
  obj: object;
  msg: string | undefined;
}

function capture(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: keyof Logger) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

describe('defaults', () => {
  // The README, the demo page and the client examples all say 8081; a changed default breaks them silently.
  it('listens on port 8081 when PORT is unset or blank', () => {
    expect(readConfig({}).port).toBe(8081);
    expect(readConfig({ PORT: '  ' }).port).toBe(8081);
  });

  it('reads the identity settings: audiences and issuers as lists, the token lifetime as a whole number', () => {
    expect(
      readConfig({
        JWT_AUDIENCE: ' app , admin,',
        JWT_ISSUER: 'https://auth.example',
        MAX_TOKEN_LIFETIME_MS: '3600000',
      }),
    ).toMatchObject({
      jwtAudience: ['app', 'admin'],
      jwtIssuer: ['https://auth.example'],
      maxTokenLifetimeMs: 3_600_000,
    });
    expect(readConfig({ JWT_AUDIENCE: ' , ' })).not.toHaveProperty('jwtAudience');
    expect(readConfig({ GLOBAL_PRESENCE: '1' }).globalPresence).toBe(true);
    expect(readConfig({})).not.toHaveProperty('globalPresence');
    expect(() => readConfig({ GLOBAL_PRESENCE: 'yes' })).toThrow(/GLOBAL_PRESENCE/);
    expect(() => readConfig({ MAX_TOKEN_LIFETIME_MS: '12.5' })).toThrow(/MAX_TOKEN_LIFETIME_MS/);
  });
});

describe('dev mode at start', () => {
  const running: Array<Awaited<ReturnType<typeof startServer>>> = [];

  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.close()));
  });

  async function start(options: Parameters<typeof startServer>[0]): Promise<Line[]> {
    const { logger, lines } = capture();
    running.push(await startServer({ port: 0, host: '127.0.0.1', production: false, ...options, logger }));
    return lines;
  }

  // An operator who forgot JWT_SECRET must see it in the first lines of the log, not find out from a breach.
  it('warns before listening when there is no JWT secret', async () => {
    const lines = await start({ jwtSecret: undefined });
    const warning = lines.findIndex((line) => line.level === 'warn' && line.msg === DEV_MODE_WARNING);
    expect(warning).toBeGreaterThanOrEqual(0);
    expect(lines[warning]?.obj).toMatchObject({ mode: 'dev' });
    const listening = lines.findIndex((line) => line.msg === 'gateway listening');
    expect(listening).toBeGreaterThan(warning);
    expect(lines[listening]?.obj).toMatchObject({ mode: 'dev' });
  });

  it('logs it as an error when production asked for dev mode explicitly', async () => {
    const lines = await start({ production: true, allowDevMode: true });
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toContain(DEV_MODE_WARNING);
    expect(errors[0]?.msg).toContain('PRODUCTION IN DEV MODE');
  });

  it('says nothing of dev mode with a JWT secret', async () => {
    const lines = await start({ jwtSecret: 'a-long-enough-test-secret-for-hs256-tokens' });
    expect(lines.filter((line) => line.msg?.includes('DEV MODE'))).toEqual([]);
    expect(lines.find((line) => line.msg === 'gateway listening')?.obj).toMatchObject({ mode: 'jwt' });
  });
});
