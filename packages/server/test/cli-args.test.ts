import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { answerCommandLine, configEnvNames, packageVersion, serverUsage } from '../src/cli-args';
import { readConfig } from '../src/index';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Runs the server's command line as its own process; a server started by mistake is killed after `timeout`. */
function runCli(
  args: string[],
  entry: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [...entry, ...args],
      // PORT 0 and loopback: were --help to start a server, it would neither collide nor be reachable.
      { cwd: serverDir, env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }, timeout: 10_000 },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr, killed: child.killed }),
    );
  });
}

describe('gateway-server command line', () => {
  it('runs the server without arguments, answers --help, -h, --version and -v, refuses anything else with 2', () => {
    expect(answerCommandLine([], () => version)).toEqual({ kind: 'serve' });
    for (const flag of ['--help', '-h']) {
      expect(answerCommandLine([flag], () => version)).toEqual({ kind: 'answer', exitCode: 0, stdout: serverUsage() });
    }
    for (const flag of ['--version', '-v']) {
      expect(answerCommandLine([flag], () => version)).toEqual({ kind: 'answer', exitCode: 0, stdout: `${version}\n` });
    }
    for (const args of [['--bogus'], ['serve'], ['--port', '80'], ['--help=yes']]) {
      const answer = answerCommandLine(args, () => version);
      expect(answer, args.join(' ')).toMatchObject({ kind: 'answer', exitCode: 2 });
      if (answer.kind === 'answer') expect(answer.stderr).toContain('Usage: gateway-server');
    }
  });

  it("lists the README's configuration table, no more and no fewer", () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
    );
    const documented = section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([A-Z_]+)`/g)].map((match) => match[1]));
    expect(documented.length).toBeGreaterThan(10);
    expect([...configEnvNames()].sort()).toEqual([...documented].sort());
  });

  it('reads its version from its package.json', () => {
    expect(packageVersion()).toBe(version);
  });

  // The list is what readConfig reads, found by probing it: a new variable shows up in --help by itself, and
  // this test asks for the line that says what it means.
  it('lists every environment variable the configuration reads, each with its meaning', () => {
    const names = configEnvNames();
    expect(names).toEqual(expect.arrayContaining(['PORT', 'JWT_SECRET', 'PUBLISH_KEY', 'OPERATOR_KEY', 'NODE_ENV']));
    expect(names).toEqual(expect.arrayContaining(['MAX_TOKEN_LIFETIME_MS', 'JWT_AUDIENCE', 'JWT_ISSUER']));
    const usage = serverUsage();
    for (const name of names) {
      const line = usage.split('\n').find((text) => text.trimStart().startsWith(`${name} `));
      expect(line, name).toBeDefined();
      expect(line, name).not.toContain('(see the configuration table)');
    }
    expect(usage).toContain(`default ${readConfig({}).port}`);
  });

  it('from source, as its own process: --version and --help exit 0 without starting, a bad flag exits 2', async () => {
    const source = ['--import', tsxLoader, '--conditions=@gateway/source', 'src/cli.ts'];
    const [shown, help, bad] = await Promise.all([
      runCli(['--version'], source),
      runCli(['--help'], source),
      runCli(['--bogus'], source),
    ]);
    expect(shown).toMatchObject({ code: 0, stdout: `${version}\n`, killed: false });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('JWT_SECRET');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'--bogus'");
  });

  // The built bin, when a build newer than these sources exists (`pnpm -r build` runs before the suite in CI).
  const built = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  const fresh =
    existsSync(built) &&
    ['../src/cli.ts', '../src/cli-args.ts'].every(
      (file) => statSync(built).mtimeMs >= statSync(fileURLToPath(new URL(file, import.meta.url))).mtimeMs,
    );
  it.skipIf(!fresh)('the built gateway-server prints its version', async () => {
    expect(await runCli(['--version'], [built])).toMatchObject({ code: 0, stdout: `${version}\n`, killed: false });
  });
});
