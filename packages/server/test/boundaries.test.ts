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
  return [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((match) => match[1] ?? '');
}

describe('module boundaries', () => {
  it('keeps the core free of sockets, HTTP, JWT and stores', () => {
    for (const file of sources(join(src, 'core'))) {
      for (const specifier of imports(file)) {
        expect(specifier, file).not.toMatch(/^(ws|node:http|node:net|jose|ioredis|redis|pino)$/);
        expect(specifier, file).not.toMatch(/^\.\.\/(transport|http|auth|server)/);
      }
    }
  });

  // The per-file check above misses a chain through another folder (core → presence → backplane/redis →
  // ioredis once happened), so follow every import the way a bundler would.
  it('keeps the core free of them transitively', async () => {
    const result = await build({
      entryPoints: [join(src, 'core', 'gateway.ts')],
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
    expect(files).toContain('core/gateway.ts');
    const forbidden = /^(transport|redis|http)\/|^(backplane|state)\/redis|^presence\/redis/;
    expect(files.filter((file) => forbidden.test(file))).toEqual([]);
    const packages = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
    for (const name of ['ws', 'ioredis', 'redis', 'jose', 'pino', 'node:http', 'node:net']) {
      expect(packages).not.toContain(name);
    }
  });

  it('imports ws only in the transport adapter', () => {
    const users = sources(src).filter((file) => imports(file).includes('ws'));
    expect(users.map((file) => file.slice(src.length + 1))).toEqual(['transport/ws.ts']);
  });
});
