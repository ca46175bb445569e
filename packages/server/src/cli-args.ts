import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readConfig } from './config';
import { findPackageRoot } from './http/package-root';

/** What `gateway-server` was asked to do: run, or answer at once with an exit code and text. */
export type CommandLineAnswer =
  | { readonly kind: 'serve' }
  | { readonly kind: 'answer'; readonly exitCode: 0 | 2; readonly stdout?: string; readonly stderr?: string };

/**
 * Environment variables the server reads outside `readConfig` (`startServer` reads them from `process.env`),
 * so the probe in `configEnvNames` cannot see them.
 */
const READ_ELSEWHERE = ['NODE_ENV'] as const;

const defaults = readConfig({});

/** One line per variable; `configEnvNames` decides which are listed, this only says what they mean. */
const MEANING: Readonly<Record<string, string>> = {
  PORT: `HTTP and WebSocket port, WebSocket at /ws (default ${defaults.port})`,
  HOST: `address to listen on (default ${defaults.host})`,
  JWT_SECRET: 'HS256 secret: tokens required, the user is the sub claim. Unset: dev mode, any user',
  LOG_LEVEL: `pino log level (default ${defaults.logLevel})`,
  ALLOWED_ORIGINS: 'comma-separated browser origins allowed to connect (default any)',
  GATEWAY_DEV_MODE: '1: run dev mode even in production, with a loud warning',
  REDIS_URL: 'redis://host:port: share rooms and users between instances (default in memory)',
  REDIS_CLUSTER: 'redis://host:port,…: a Redis Cluster instead of REDIS_URL (some of its nodes)',
  REDIS_PREFIX: 'prefix of every Redis channel and key (default gw:)',
  PUBLISH_KEY: 'key of POST /publish (Authorization: Bearer <key>); unset: no such endpoint',
  PRESENCE_TTL_MS: "with Redis: how long a crashed instance's devices stay present (default 30000)",
  GLOBAL_PRESENCE: '1: everyone connected sees everyone; 0: the members of their rooms (default 0)',
  JWT_AUDIENCE: 'comma-separated aud values a token must carry one of (default no check)',
  JWT_ISSUER: 'comma-separated iss values a token must carry one of (default no check)',
  MAX_TOKEN_LIFETIME_MS: 'the longest a verified token keeps a connection (default 86400000, 24 h)',
  OPERATOR_KEY: 'key of /stats, /rooms/:id and /metrics (default the publish key)',
  TRUST_PROXY: 'proxy hops, or proxy addresses and CIDR ranges, trusted in X-Forwarded-For',
  MAX_CONNECTIONS_PER_ADDRESS: 'WebSocket connections one client address may hold (default 100)',
  MAX_UNIDENTIFIED_PER_ADDRESS: 'of those, how many may be not yet identified (default 10)',
  NODE_ENV: 'production: refuse to start in dev mode unless GATEWAY_DEV_MODE=1',
};

/**
 * Every environment variable the server reads, in the order `readConfig` reads them: found by handing it a
 * probe that records each name asked for, so a variable added there is listed here without another edit.
 */
export function configEnvNames(): string[] {
  const names: string[] = [];
  const probe = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get(_target, name) {
        if (typeof name === 'string' && !names.includes(name)) names.push(name);
        return undefined;
      },
    },
  );
  readConfig(probe);
  for (const name of READ_ELSEWHERE) if (!names.includes(name)) names.push(name);
  return names;
}

/** `gateway-server --help`: what it does, its flags, and every variable it reads. */
export function serverUsage(): string {
  const names = configEnvNames();
  const width = Math.max(...names.map((name) => name.length));
  const variables = names.map((name) => `  ${name.padEnd(width)}  ${MEANING[name] ?? '(see the configuration table)'}`);
  return [
    'Usage: gateway-server [--help] [--version]',
    '',
    'Runs the gateway: WebSocket at /ws, the demo chat at /, /health, and the HTTP endpoints, on one port.',
    'Configured by environment variables only. Ctrl+C or SIGTERM stops it gracefully (a second one at once).',
    '',
    'Options:',
    '  -h, --help     print this help and exit',
    '  -v, --version  print the version and exit',
    '',
    'Environment:',
    ...variables,
    '',
    'Example: JWT_SECRET=change-me PUBLISH_KEY=k PORT=8081 gateway-server',
    '',
  ].join('\n');
}

/** Reads the command line: no arguments runs the server, `--help` and `--version` answer, anything else is refused. */
export function answerCommandLine(argv: readonly string[], version: () => string): CommandLineAnswer {
  let values: { help?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
      allowPositionals: false,
      strict: true,
    }));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { kind: 'answer', exitCode: 2, stderr: `gateway-server: ${why}\n\n${serverUsage()}` };
  }
  if (values.help === true) return { kind: 'answer', exitCode: 0, stdout: serverUsage() };
  if (values.version === true) return { kind: 'answer', exitCode: 0, stdout: `${version()}\n` };
  return { kind: 'serve' };
}

/** This package's version, from its package.json (found from `src/` and from `dist/` alike). */
export function packageVersion(): string {
  const root = findPackageRoot();
  if (root === undefined) return 'unknown';
  const manifest: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const version = typeof manifest === 'object' && manifest !== null ? Reflect.get(manifest, 'version') : undefined;
  return typeof version === 'string' ? version : 'unknown';
}
