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

/**
 * Inside such a script: the heap after full collections (several, so objects freed by finalizers of the first
 * go too). Throws when the process was not started with `--expose-gc`, since the figure would mean nothing.
 */
export function settledHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}
