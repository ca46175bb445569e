import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findPackageRoot } from './package-root';

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

const FILES: Record<string, { file: string; contentType: string }> = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/demo.js': { file: 'demo.js', contentType: 'text/javascript; charset=utf-8' },
  '/demo.js.map': { file: 'demo.js.map', contentType: 'application/json; charset=utf-8' },
  // The page links the SVG; the ICO (the same icon at 32×32, a PNG inside) answers browsers that ask by default.
  '/favicon.svg': { file: 'favicon.svg', contentType: 'image/svg+xml' },
  '/favicon.ico': { file: 'favicon.ico', contentType: 'image/x-icon' },
};

export const MISSING_DEMO_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gateway</title></head>
<body><h1>gateway server is running</h1>
<p>The demo page has not been built. Run <code>pnpm --filter @gateway/server build</code> (or <code>pnpm build</code> at the repository root) and reload.</p>
<p>WebSocket endpoint: <code>/ws</code> · <a href="/health">/health</a></p>
</body></html>
`;

/** Serves the demo page built into `demo/public/`; files are read per request so a rebuild shows without a restart. */
export function createDemoFiles(publicDir = defaultPublicDir()) {
  return {
    /** True for paths the demo owns. */
    owns: (pathname: string): boolean => pathname in FILES,
    /** The file, or undefined when it has not been built. */
    async read(pathname: string): Promise<StaticFile | undefined> {
      const entry = FILES[pathname];
      if (entry === undefined || publicDir === undefined) return undefined;
      try {
        return { body: await readFile(join(publicDir, entry.file)), contentType: entry.contentType };
      } catch {
        return undefined;
      }
    },
  };
}

export type DemoFiles = ReturnType<typeof createDemoFiles>;

function defaultPublicDir(): string | undefined {
  const root = findPackageRoot();
  return root === undefined ? undefined : join(root, 'demo', 'public');
}
