// Shared by every server under test: the chat message they all publish (same JSON shape and size as the
// gateway's chat.message), the clock stamped into it, and the control channel the load generator drives.
import { createServer } from 'node:net';
import { getHeapSpaceStatistics } from 'node:v8';

/** Microseconds on CLOCK_MONOTONIC: the same clock in every process of the machine, so latency is comparable. */
export function nowUs() {
  const [s, ns] = process.hrtime();
  return Math.round(s * 1e6 + ns / 1e3);
}

/** Target size of one delivered frame, in bytes (the "~200-byte chat message"). */
export const FRAME_BYTES = 200;

/** Content padding by frame size, so each frame is as long as asked. @type {Map<number, string>} */
const fillers = new Map();

/**
 * The payload of a chat.message as the gateway makes it (seed 001's ChatMessage), with the bench's own
 * fields in `metadata`: `n` (the room's message number, for losses and duplicates) and `t` (publish time, µs).
 * Padded so a typical frame ({"seq":…,"type":"chat.message","payload":{…}}) is `bytes` long.
 * @param {string} roomId
 * @param {number} n
 * @param {number} t
 * @param {number} [bytes]
 */
export function chatPayload(roomId, n, t, bytes = FRAME_BYTES) {
  let filler = fillers.get(bytes);
  if (filler === undefined) {
    const sample = JSON.stringify({ seq: 12345, type: 'chat.message', payload: unpadded('room-0', 12345, t, '') });
    filler = 'x'.repeat(Math.max(0, bytes - sample.length));
    fillers.set(bytes, filler);
  }
  return unpadded(roomId, n, t, filler);
}

/**
 * @param {string} roomId
 * @param {number} n
 * @param {number} t
 * @param {string} content
 */
function unpadded(roomId, n, t, content) {
  return {
    message_id: `m-${n}`,
    room_id: roomId,
    sender_id: 'bench',
    kind: 'text',
    content,
    metadata: { n, t },
    created_at: new Date().toISOString(),
  };
}

/**
 * A tiny NDJSON control server on 127.0.0.1: `{op:'publish', rooms, count, bytes?}` publishes `count`
 * messages of `bytes` (default FRAME_BYTES) to each room (in order, one broadcast call each); `{op:'gc'}`
 * collects garbage (servers run with --expose-gc) and answers with the heap in use, the external memory and
 * the young generation's resident size;
 * `{op:'info'}` answers with what `info()` returns. Every request with an `id` gets `{id, ...}` back.
 * @param {(roomId: string, n: number, bytes: number | undefined) => void} publish
 * @param {() => object} [info]
 * @returns {Promise<number>} the control port
 */
export function startControl(publish, info = () => ({})) {
  /** @type {Map<string, number>} */
  const counters = new Map();
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
        /** @type {{op: string, id?: number, rooms?: string[], count?: number, bytes?: number}} */
        const command = JSON.parse(line);
        if (command.op === 'publish') {
          const count = Math.min(command.count ?? 1, 100_000);
          for (let i = 0; i < count; i++) {
            for (const roomId of command.rooms ?? []) {
              const n = (counters.get(roomId) ?? 0) + 1;
              counters.set(roomId, n);
              publish(roomId, n, command.bytes);
            }
          }
        }
        if (command.op === 'gc') {
          // Twice: Buffers a collection found dead are freed by a sweeper that may still be running after it.
          globalThis.gc?.();
          globalThis.gc?.();
          // What the process holds alive after the collection: V8's live objects and Buffers outside the heap.
          // RSS also counts the young generation as grown by the recent allocation rate and freed memory the
          // allocator kept, which a forced collection does not give back.
          const { heapUsed, external } = process.memoryUsage();
          // The young generation's resident pages: V8 sizes it by the survival rate it saw and keeps it, so
          // it is part of RSS that a burst grew once for the process, not a cost of each connection.
          const youngGen = getHeapSpaceStatistics().find(
            (space) => space.space_name === 'new_space',
          )?.physical_space_size;
          if (command.id !== undefined)
            socket.write(`${JSON.stringify({ id: command.id, heapUsed, external, youngGen })}\n`);
          continue;
        }
        if (command.id !== undefined) socket.write(`${JSON.stringify({ id: command.id, ...info() })}\n`);
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

/**
 * Tells the parent where to connect: one JSON line on stdout.
 * @param {object} fields
 */
export function announce(fields) {
  // An orderly exit on SIGTERM, so `--cpu-prof` (BENCH_NODE_OPTIONS) gets written.
  process.once('SIGTERM', () => process.exit(0));
  process.stdout.write(`${JSON.stringify({ bench_ready: true, pid: process.pid, ...fields })}\n`);
}
