import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*'([^']+)'/g)].map((match) => match[1] ?? '');
}

/** Every source file `entries` reach by their imports, as a bundler follows them, and the packages they need. */
async function reach(entries: string[]): Promise<{ files: string[]; packages: string[] }> {
  const result = await build({
    entryPoints: entries,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    absWorkingDir: src,
    outdir: 'unused',
    logLevel: 'silent',
  });
  const files = Object.keys(result.metafile.inputs);
  const packages = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
  return { files, packages };
}

/** The folders beside core: what plugs into it (cluster), implements its ports (memory, redis, transport), or serves it. */
const OUTSIDE_CORE =
  /^(cluster|memory|redis|transport|http|auth|ingress|publisher)\/|^(server|gateway|cli|config|index)\.ts$/;
const STORE_AND_SOCKET_PACKAGES = ['ws', 'ioredis', 'redis', 'jose', 'pino', 'node:http', 'node:net'];

describe('module boundaries', () => {
  it('keeps the core free of sockets, HTTP, JWT and stores', () => {
    for (const file of sources(join(src, 'core'))) {
      for (const specifier of imports(file)) {
        expect(specifier, file).not.toMatch(/^(ws|node:http|node:net|jose|ioredis|redis|pino)$/);
        expect(specifier, file).not.toMatch(/^(\.\.\/)+(transport|http|auth|server|cluster|redis|memory|gateway)\b/);
      }
    }
  });

  // The per-file check above misses a chain through another folder (core → presence → backplane/redis →
  // ioredis once happened), so follow every import the way a bundler would.
  it('keeps the core free of them transitively, and of every cluster feature and adapter', async () => {
    const { files, packages } = await reach(sources(join(src, 'core')));
    expect(files).toContain('core/gateway.ts');
    expect(files.filter((file) => OUTSIDE_CORE.test(file))).toEqual([]);
    for (const name of STORE_AND_SOCKET_PACKAGES) expect(packages).not.toContain(name);
  });

  it('keeps the cluster features on the core and its ports: no Redis, socket or HTTP module', async () => {
    const { files, packages } = await reach(sources(join(src, 'cluster')));
    expect(files.filter((file) => /^(redis|memory|transport|http|auth)\//.test(file))).toEqual([]);
    for (const name of STORE_AND_SOCKET_PACKAGES) expect(packages).not.toContain(name);
  });

  it('keeps the in-memory adapters apart from Redis', async () => {
    const { files, packages } = await reach(sources(join(src, 'memory')));
    expect(files.filter((file) => /^(redis|cluster|transport)\//.test(file))).toEqual([]);
    expect(packages).not.toContain('ioredis');
  });

  it('imports ws only in the transport adapter', () => {
    const users = sources(src).filter((file) => imports(file).includes('ws'));
    expect(users.map((file) => file.slice(src.length + 1))).toEqual(['transport/ws.ts']);
  });

  it('imports ioredis only in the Redis adapters (and the publisher other services use)', () => {
    const users = sources(src)
      .filter((file) => imports(file).includes('ioredis'))
      .map((file) => file.slice(src.length + 1));
    expect(users.filter((file) => !file.startsWith('redis/') && file !== 'publisher/redis.ts')).toEqual([]);
  });
});
