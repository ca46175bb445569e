// The package linters on each tarball as it would be published: publint (manifest and files) and
// are-the-types-wrong (types under node10, Node16/NodeNext from CJS and ESM, and bundlers).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = (name) => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));

function run(command, args) {
  try {
    return { ok: true, output: execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (error) {
    return { ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` };
  }
}

/**
 * @param {Map<string, string>} tarballs
 * @returns {{ name: string, tool: string, ok: boolean, output: string }[]}
 */
export function lintTarballs(tarballs) {
  const results = [];
  for (const [name, tarball] of tarballs) {
    // --strict: publint's warnings (a wrong field, a file that does not exist) fail the check too.
    results.push({ name, tool: 'publint', ...run(bin('publint'), ['run', tarball, '--strict']) });
    // A bin-only package has no types to check.
    if (name === '@gateway/cli') continue;
    results.push({ name, tool: 'attw', ...run(bin('attw'), [tarball, '--format', 'table-flipped', '--no-color']) });
  }
  return results;
}
