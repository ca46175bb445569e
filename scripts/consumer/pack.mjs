// Packs every published package the way `pnpm publish` would (publishConfig applied, workspace:
// ranges replaced by versions) into one directory, and returns the tarballs by package name.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUBLISHED_PACKAGES } from '../packaging/published-exports.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pnpm = ['sh', join(root, 'scripts/pnpm.sh')];

/**
 * @param {string} destination an empty directory outside the workspace
 * @returns {Map<string, string>} package name → tarball path
 */
export function packAll(destination) {
  const tarballs = new Map();
  for (const dir of PUBLISHED_PACKAGES) {
    const cwd = join(root, 'packages', dir);
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    const before = new Set(readdirSync(destination));
    execFileSync(pnpm[0], [pnpm[1], 'pack', '--pack-destination', destination], { cwd, stdio: 'ignore' });
    const made = readdirSync(destination).filter((file) => !before.has(file) && file.endsWith('.tgz'));
    if (made.length !== 1) throw new Error(`pnpm pack in packages/${dir} made ${made.length} tarballs`);
    tarballs.set(manifest.name, join(destination, made[0]));
  }
  return tarballs;
}
