// A fresh npm project outside the workspace, with the packed tarballs installed as a user would
// install them from the registry: their dependencies and required peers come from npm, not the workspace.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));

/**
 * What users add beside the packages: a Node bot `ws` (Node 20 has no WebSocket of its own) and Node's types;
 * a React app React DOM (React itself comes as the bindings' peer) and React's types.
 */
const USER_DEPENDENCIES = ['ws@^8', '@types/node@^20', 'react-dom@^19', '@types/react@^19'];

/**
 * @param {Map<string, string>} tarballs package name → tarball
 * @returns {string} the project's directory
 */
export function createConsumerProject(tarballs) {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-consumer-'));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'gateway-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  // The project's own .npmrc: no workspace settings above it reach in, and the install is quiet.
  writeFileSync(join(dir, '.npmrc'), 'audit=false\nfund=false\nupdate-notifier=false\n');
  execFileSync('npm', ['install', '--no-package-lock', ...tarballs.values(), ...USER_DEPENDENCIES], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 300_000,
  });
  cpSync(fixtures, dir, { recursive: true });
  return dir;
}
