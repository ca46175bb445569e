// Resume after a drop: the reference client (bundled from source by the runner) against a running gateway.
// A fresh client per sample (so the default backoff starts at its first attempt): identify, then the socket
// is cut under it (terminate: no close frame, as a lost network), and the time to `resumed` is measured.
// Usage: node resume-probe.mjs <client bundle> <port>. Prints one JSON line.
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';

const [bundle, port] = process.argv.slice(2);
const { createClient } = await import(pathToFileURL(bundle).href);
const SAMPLES = 5;

/** @type {WebSocket | undefined} */
let last;
class TappedWebSocket extends WebSocket {
  /** @param {string} url */
  constructor(url) {
    super(url);
    last = this;
  }
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {number} i */
async function sample(i) {
  const client = createClient({
    url: `ws://127.0.0.1:${port}/ws`,
    userId: `resume-${i}`,
    deviceType: 'bot',
    WebSocket: TappedWebSocket,
  });
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ready within 5 s')), 5_000);
      client.once('ready', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    await sleep(100);
    const resumed = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no resumed within 10 s')), 10_000);
      client.once('resumed', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    const t0 = performance.now();
    last?.terminate();
    await resumed;
    return performance.now() - t0;
  } finally {
    client.close();
  }
}

const times = [];
for (let i = 0; i < SAMPLES; i++) times.push(await sample(i));
times.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({ ms: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1], samples: times.length })}\n`,
);
process.exit(0);
