import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  it('imports ws only in the transport adapter', () => {
    const users = sources(src).filter((file) => imports(file).includes('ws'));
    expect(users.map((file) => file.slice(src.length + 1))).toEqual(['transport/ws.ts']);
  });
});
