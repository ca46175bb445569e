import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Runs a TypeScript measuring script in a process of its own with `--expose-gc` (so the heap it reports holds
 * nothing else), its settings as JSON in the environment variable `envName`; resolves with the lines it
 * printed, rejects with the end of its stderr when it fails, and kills it after `timeoutMs`.
 */
export function runGcScript(
  script: string,
  envName: string,
  settings: Record<string, unknown>,
  timeoutMs: number,
): Promise<string[]> {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', tsxLoader, '--conditions=@gateway/source', script],
    {
      env: { ...process.env, [envName]: JSON.stringify(settings) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${script} exited with ${code}: ${stderr}`));
      else resolve(stdout.trim().split('\n'));
    });
  });
}
