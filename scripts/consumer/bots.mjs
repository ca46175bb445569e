// Runs the ESM and the CommonJS bot against a gateway started from the installed `gateway-server` bin
// (in-memory, dev mode, an ephemeral loopback port), each bounded in time.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';

const BOUND_MS = 20_000;

/** Starts the installed server and resolves with its WebSocket URL, read from its own log line. */
function startInstalledServer(project) {
  const child = spawn(process.execPath, [join(project, 'node_modules/.bin/gateway-server')], {
    cwd: project,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no server within ${BOUND_MS} ms:\n${output}`)), BOUND_MS);
    const read = (chunk) => {
      output += chunk;
      const found = /"wsUrl":"(ws:\/\/127\.0\.0\.1:\d+\/ws)"/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
  return { child, url };
}

function runBot(project, file, url, userId) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(project, file), url, userId],
      { cwd: project, timeout: BOUND_MS },
      (error, stdout, stderr) => {
        const expected = `heard: hello from ${userId}`;
        resolve({
          name: `${file} (${file.endsWith('.cjs') ? 'require' : 'import'}) against the installed gateway-server`,
          ok: error === null && stdout.includes(expected),
          output: `${stdout}${stderr}${error ? `\n${error.message}` : ''}`.trim(),
        });
      },
    );
  });
}

/** @param {string} project */
export async function botChecks(project) {
  const server = startInstalledServer(project);
  try {
    const url = await server.url;
    return [await runBot(project, 'bot.mjs', url, 'esm-bot'), await runBot(project, 'bot.cjs', url, 'cjs-bot')];
  } catch (error) {
    return [{ name: 'installed gateway-server starts', ok: false, output: error.message }];
  } finally {
    server.child.kill('SIGTERM');
  }
}

function runNode(project, file) {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(project, file)], { cwd: project, timeout: BOUND_MS }, (error, stdout, stderr) =>
      resolve({ error, output: `${stdout}${stderr}${error ? `\n${error.message}` : ''}`.trim(), stdout }),
    );
  });
}

/** Server rendering with the installed React bindings, from ESM and CommonJS: it renders, and makes no socket. */
export async function serverRenderingChecks(project) {
  const results = [];
  for (const file of ['ssr.mjs', 'ssr.cjs']) {
    const { error, output, stdout } = await runNode(project, file);
    results.push({
      name: `${file}: GatewayProvider renders on the server (renderToString) with no socket`,
      ok: error === null && stdout.includes('state: idle'),
      output,
    });
  }
  return results;
}
