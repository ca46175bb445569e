// The load generator: a child process (pinned to its own core) that holds the subscribers, speaks each
// server's wire protocol directly over `ws` (the gateway's hello → identify → ready, Socket.IO's engine.io
// packets, the baselines' plain frames), drives publishing through the server's control channel and
// measures: deliveries, latency from the publish time in each payload, losses and duplicates from the
// room's message number `n` (and, on the gateway, the per-session `seq`), and the server's CPU from /proc.
// A fan-out is published either through the control channel (the server's own API) or by a client: the
// room's first subscriber sends each message (`chat.send` on the gateway, a `send` frame or event on the
// baselines) stamped with its `n` and publish time, and the server fans it out.
// A connect storm (`connect` with `pids`) reports the server's CPU, the frames the clients received and VmHWM.
// It is driven by its parent over IPC: {cmd:'connect'|'phase'|'idle'|'stall'|'close'|'exit'} → one reply each.
import { readFileSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { WebSocket } from 'ws';
import { nowUs } from './servers/common.mjs';
import { Histogram } from './stats.mjs';

const N_MARK = Buffer.from('"metadata":{"n":');
const T_MARK = Buffer.from(',"t":');
const SEQ_PREFIX = Buffer.from('{"seq":');
const HEARTBEAT = Buffer.from('{"type":"heartbeat"}');
/** The gateway's default `heartbeat_interval`: raw ws idle clients heartbeat at the same cadence. */
const BASELINE_HEARTBEAT_MS = 30_000;
const READY_PREFIX = Buffer.from('{"type":"ready",');
const JOINED = Buffer.from('{"type":"joined"}');
/**
 * Content of a client-published gateway message: one character, as close as it gets to the baselines'
 * 200-byte frames (the gateway's chat.message envelope with the bench's `n` and `t` is about 260 bytes).
 */
const GATEWAY_CONTENT = 'x';
const CLK_TCK = 100;
/** Memory is measured once no frame has arrived for this long, or after the cap. */
const QUIET_MS = 200;
const QUIET_CAP_MS = 5_000;

/**
 * Reads the unsigned integer whose digits start at `from`.
 * @param {Buffer} buf
 * @param {number} from
 */
function readInt(buf, from) {
  let value = 0;
  for (let i = from; i < buf.length; i++) {
    const c = buf[i];
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
  }
  return value;
}

/**
 * Whether the frame starts with `{"seq":`.
 * @param {Buffer} data
 */
function startsWithSeq(data) {
  if (data.length <= SEQ_PREFIX.length) return false;
  for (let i = 0; i < SEQ_PREFIX.length; i++) if (data[i] !== SEQ_PREFIX[i]) return false;
  return true;
}

/**
 * utime + stime of the processes, in µs.
 * @param {number[]} pids
 */
function cpuUs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1e6) / CLK_TCK;
}

/**
 * Busy time of one core (everything but idle and iowait), in µs, from /proc/stat; undefined without a core.
 * @param {number | undefined} core
 */
function coreBusyUs(core) {
  if (core === undefined) return undefined;
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((text) => text.startsWith(`cpu${core} `));
  if (line === undefined) return undefined;
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + (steal || 0)) * 1e6) / CLK_TCK;
}

/**
 * What else ran on the servers' core during a window, in % of that core: its busy time minus the servers'.
 * @param {number | undefined} busy0
 * @param {number | undefined} busy1
 * @param {number} serverUs
 * @param {number} seconds
 */
function otherLoadPct(busy0, busy1, serverUs, seconds) {
  if (busy0 === undefined || busy1 === undefined) return undefined;
  return Math.max(0, ((busy1 - busy0 - serverUs) / 1e6 / seconds) * 100);
}

/**
 * VmRSS and VmHWM of the processes, in bytes (summed).
 * @param {number[]} pids
 */
function memory(pids) {
  let rss = 0;
  let hwm = 0;
  for (const pid of pids) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    rss += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    hwm += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  }
  return { rss, hwm };
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @typedef {object} Sub
 * @property {WebSocket} ws
 * @property {string|undefined} room
 * @property {number} next the room message number expected next
 * @property {number} seen the highest room message number received (0: none yet)
 * @property {number} seqNext the gateway seq expected next (0: not yet known)
 * @property {boolean} ready
 */

/** Totals across all subscribers, reset per phase. */
const totals = {
  frames: 0,
  received: 0,
  windowReceived: 0,
  lost: 0,
  duplicates: 0,
  /** Messages an earlier phase counted as lost at its drain's end that arrived after all (not duplicates). */
  late: 0,
  seqGaps: 0,
  closed: 0,
  recording: false,
};
const histogram = new Histogram();
/** @type {Sub[]} */
let subs = [];
/** A phase's drain waits at most this long beyond `drainMs` for a server still working off its backlog. */
const DRAIN_EXTRA_MS = 10_000;
/** Messages published so far to each room (the server numbers them 1, 2, … per room). */
const roomTotals = new Map();
/** @type {import('node:net').Socket | undefined} */
let control;
/** @type {Map<number, (reply: any) => void>} */
const controlWaiters = new Map();
let controlId = 0;

/** @param {object} command */
function controlSend(command) {
  control?.write(`${JSON.stringify(command)}\n`);
}

/** @param {object} command @returns {Promise<any>} */
function controlAsk(command) {
  const id = ++controlId;
  return new Promise((resolve) => {
    controlWaiters.set(id, resolve);
    controlSend({ ...command, id });
  });
}

/** @param {number} port */
function openControl(port) {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () => resolve(socket));
    socket.setNoDelay(true);
    socket.once('error', reject);
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const reply = JSON.parse(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
        controlWaiters.get(reply.id)?.(reply);
        controlWaiters.delete(reply.id);
      }
    });
  });
}

/**
 * Counts one bench chat message: order, losses, duplicates, latency.
 * @param {Sub} sub
 * @param {Buffer} data
 * @param {number} at index of N_MARK
 * @param {number} receivedAt nowUs() when the frame was handed to the listener, before any bookkeeping
 */
function onChat(sub, data, at, receivedAt) {
  const n = readInt(data, at + N_MARK.length);
  if (n === sub.next) sub.next = n + 1;
  else if (n > sub.next) {
    totals.lost += n - sub.next;
    sub.next = n + 1;
  } else if (n > sub.seen) {
    // Above everything received yet below `next`: a message the previous phase's drain gave up on.
    totals.late++;
  } else totals.duplicates++;
  if (n > sub.seen) sub.seen = n;
  totals.received++;
  if (totals.recording) {
    totals.windowReceived++;
    const tAt = data.indexOf(T_MARK, at + N_MARK.length);
    if (tAt > 0) histogram.record(receivedAt - readInt(data, tAt + T_MARK.length));
  }
}

/**
 * @param {string} kind gateway | ws | socketio
 * @param {string} base ws://127.0.0.1:port
 * @param {{room?: string, user: string, heartbeat: boolean, invisible?: boolean, join?: boolean}} spec
 * @returns {Promise<Sub>}
 */
function openSub(kind, base, spec) {
  return new Promise((resolve, reject) => {
    // A joining client (connect storm) asks for its room by message once connected, not in the URL.
    const query = spec.room === undefined || spec.join ? '' : `room=${encodeURIComponent(spec.room)}`;
    const url =
      kind === 'socketio'
        ? `${base}/socket.io/?EIO=4&transport=websocket${query ? `&${query}` : ''}`
        : kind === 'ws'
          ? `${base}/ws${query ? `?${query}` : ''}`
          : `${base}/ws`;
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    /** @type {Sub} */
    const sub = { ws, room: spec.room, next: 1, seen: 0, seqNext: 0, ready: false };
    const timeout = setTimeout(() => {
      ws.terminate();
      reject(new Error('handshake timed out'));
    }, 30_000);
    const becomeReady = () => {
      sub.ready = true;
      clearTimeout(timeout);
      resolve(sub);
    };
    /** @type {NodeJS.Timeout | undefined} */
    let beat;
    /**
     * As the reference client: every interval, the first after a random fraction of it.
     * @param {number} interval
     */
    const heartbeatEvery = (interval) => {
      const tick = () => {
        ws.send(`{"type":"heartbeat","payload":{"last_seq":${Math.max(0, sub.seqNext - 1)}}}`);
        beat = setTimeout(tick, interval);
      };
      beat = setTimeout(tick, Math.random() * interval);
    };
    ws.on('error', (error) => {
      clearTimeout(timeout);
      reject(error);
    });
    ws.on('close', () => {
      clearTimeout(timeout);
      clearTimeout(beat);
      if (sub.ready) totals.closed++;
      reject(new Error('closed during handshake'));
    });
    if (kind === 'ws') {
      ws.on('open', () => {
        // The gateway's client heartbeat, same frame and cadence; the raw server acks it.
        if (spec.heartbeat) heartbeatEvery(BASELINE_HEARTBEAT_MS);
        if (spec.join) ws.send(JSON.stringify({ type: 'join', room: spec.room }));
        else becomeReady();
      });
      ws.on('message', (data) => {
        const receivedAt = nowUs();
        totals.frames++;
        if (!sub.ready && /** @type {Buffer} */ (data).equals(JOINED)) {
          becomeReady();
          return;
        }
        const at = /** @type {Buffer} */ (data).indexOf(N_MARK);
        if (at >= 0) onChat(sub, /** @type {Buffer} */ (data), at, receivedAt);
      });
      return;
    }
    if (kind === 'socketio') {
      ws.on('message', (raw) => {
        const receivedAt = nowUs();
        totals.frames++;
        const data = /** @type {Buffer} */ (raw);
        const first = data[0];
        if (first === 0x32 /* '2' ping */ && data.length === 1) {
          ws.send('3');
          return;
        }
        if (sub.ready) {
          const at = data.indexOf(N_MARK);
          if (at >= 0) onChat(sub, data, at, receivedAt);
          return;
        }
        if (first === 0x30 /* '0' engine.io open */) ws.send('40');
        else if (first === 0x34 && data[1] === 0x30 /* '40' namespace connected */) {
          // Joining: a `join` event with ack id 0, answered by the ack packet `430[…]`.
          if (spec.join) ws.send(`420${JSON.stringify(['join', spec.room])}`);
          else becomeReady();
        } else if (first === 0x34 && data[1] === 0x33 && data[2] === 0x30 /* '430' join acked */) becomeReady();
      });
      return;
    }
    // The gateway: hello → identify → ready; dispatches carry the per-session seq.
    ws.on('message', (raw) => {
      const receivedAt = nowUs();
      totals.frames++;
      const data = /** @type {Buffer} */ (raw);
      if (sub.ready) {
        // Byte checks rather than Buffer#compare: the seq bookkeeping the baselines are spared must cost the
        // gateway's frames no more than the baselines' own parsing, or the load generator (the bottleneck of a
        // burst) would add its extra work to the gateway's latency.
        if (startsWithSeq(data)) {
          const seq = readInt(data, SEQ_PREFIX.length);
          if (sub.seqNext !== 0 && seq !== sub.seqNext) totals.seqGaps++;
          sub.seqNext = seq + 1;
          const at = data.indexOf(N_MARK, SEQ_PREFIX.length);
          if (at >= 0) onChat(sub, data, at, receivedAt);
        } else if (data.equals(HEARTBEAT)) {
          ws.send('{"type":"heartbeat_ack"}');
        }
        return;
      }
      if (data.compare(READY_PREFIX, 0, READY_PREFIX.length, 0, READY_PREFIX.length) === 0) {
        // Not parsed: with room-scoped presence, ready lists every member of the room (O(room size)).
        const granted =
          data.indexOf(`"subscriptions":[${spec.room === undefined ? '' : JSON.stringify(spec.room)}`) >= 0;
        if (granted) becomeReady();
        else reject(new Error(`room ${spec.room} refused`));
        return;
      }
      if (data.equals(HEARTBEAT)) {
        ws.send('{"type":"heartbeat_ack"}');
        return;
      }
      if (startsWithSeq(data)) return;
      const frame = JSON.parse(data.toString('utf8'));
      if (frame.type === 'hello') {
        const identify = {
          user_id: spec.user,
          device_type: 'bot',
          protocol_version: 1,
          ...(spec.room === undefined ? {} : { subscriptions: [spec.room] }),
          ...(spec.invisible ? { presence: { status: 'invisible' } } : {}),
        };
        ws.send(JSON.stringify({ type: 'identify', payload: identify }));
        if (spec.heartbeat) heartbeatEvery(frame.payload.heartbeat_interval);
      }
    });
  });
}

/**
 * Opens every subscriber, at most `concurrency` handshakes at a time.
 * With `pids` (the connect storm), also the servers' CPU over the whole connecting, the frames the clients
 * received meanwhile (what the server sent: acks, presence, replies) and the servers' VmHWM at the end.
 * @param {{kind: string, port: number, specs: {room?: string, user: string, heartbeat: boolean, invisible?: boolean, join?: boolean}[], timeoutMs: number, pids?: number[]}} args
 */
async function connectAll({ kind, port, specs, timeoutMs, pids }) {
  const base = `ws://127.0.0.1:${port}`;
  const frames0 = totals.frames;
  const cpu0 = pids === undefined ? 0 : cpuUs(pids);
  const started = Date.now();
  const deadline = started + timeoutMs;
  let index = 0;
  let failed = 0;
  /** @type {string | undefined} */
  let firstError;
  const worker = async () => {
    while (index < specs.length && Date.now() < deadline) {
      const spec = specs[index++];
      try {
        subs.push(await openSub(kind, base, spec));
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(128, specs.length) }, worker));
  const unattempted = specs.length - index;
  if (unattempted > 0) firstError ??= `${unattempted} not attempted: connecting took longer than ${timeoutMs} ms`;
  const ms = Date.now() - started;
  const storm =
    pids === undefined
      ? {}
      : { cpuUs: cpuUs(pids) - cpu0, frames: totals.frames - frames0, hwm: memory(pids).hwm, capped: unattempted > 0 };
  return { connected: subs.length, failed: failed + unattempted, firstError, ms, ...storm };
}

/** @param {number} pid */
function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not Linux, or not allowed: the peak then covers the process's whole life.
  }
}

/**
 * One measured phase: warm up, measure for `windowMs`, stop publishing, wait for the tail.
 * Rated: `rate` deliveries/s offered, in messages spread evenly over time. Unthrottled: a closed loop that
 * keeps about `window` deliveries outstanding, so the server always has work and no queue grows unbounded.
 * `publisher: 'client'`: each room's first subscriber publishes (see clientPublisher); otherwise the control channel.
 * @param {{mode: 'rated'|'max', rate: number, rooms: string[], roomSize: number, warmupMs: number, windowMs: number, drainMs: number, pids: number[], window: number, core?: number, publisher?: 'client'|'api', kind: string}} args
 */
async function phase({
  mode,
  rate,
  rooms,
  roomSize,
  warmupMs,
  windowMs,
  drainMs,
  pids,
  window,
  core,
  publisher,
  kind,
}) {
  const byClient = publisher === 'client' ? clientPublisher(kind, rooms) : undefined;
  histogram.reset();
  for (const key of ['received', 'windowReceived', 'lost', 'duplicates', 'late', 'seqGaps']) totals[key] = 0;
  totals.recording = false;
  const closedBefore = totals.closed;
  let publishedMessages = 0;
  let roomCursor = 0;
  /** @param {number} count */
  const publish = (count) => {
    if (byClient !== undefined) {
      for (let i = 0; i < count; i++) {
        const roomId = rooms[roomCursor++ % rooms.length];
        const n = (roomTotals.get(roomId) ?? 0) + 1;
        roomTotals.set(roomId, n);
        byClient(roomId, n);
      }
      publishedMessages += count;
      return;
    }
    if (rooms.length === 1) controlSend({ op: 'publish', rooms, count });
    else {
      const batch = [];
      for (let i = 0; i < count; i++) {
        const roomId = rooms[roomCursor++ % rooms.length];
        batch.push(roomId);
        roomTotals.set(roomId, (roomTotals.get(roomId) ?? 0) + 1);
      }
      controlSend({ op: 'publish', rooms: batch, count: 1 });
    }
    publishedMessages += count;
    if (rooms.length === 1) roomTotals.set(rooms[0], (roomTotals.get(rooms[0]) ?? 0) + count);
  };
  // The budget is the peak under the unthrottled run, not the connecting before it (where a room's presence
  // joins fan out to every member): Linux restarts VmHWM from the current RSS on "5" into clear_refs.
  if (mode === 'max') for (const pid of pids) resetPeakRss(pid);
  const messageRate = rate / roomSize;
  const started = performance.now();
  const pump = () => {
    if (mode === 'rated') {
      const due = Math.floor(((performance.now() - started) / 1000) * messageRate) - publishedMessages;
      if (due > 0) publish(due);
    } else {
      const outstanding = publishedMessages * roomSize - totals.received;
      const room = Math.floor((window - outstanding) / roomSize);
      if (room > 0) publish(Math.min(room, 5_000));
    }
  };
  const pumper = setInterval(pump, 1);
  pump();
  await sleep(warmupMs);
  const cpu0 = cpuUs(pids);
  const busy0 = coreBusyUs(core);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  totals.recording = true;
  await sleep(windowMs);
  totals.recording = false;
  const t1 = performance.now();
  const cpu1 = cpuUs(pids);
  const busy1 = coreBusyUs(core);
  const self1 = process.cpuUsage(self0);
  clearInterval(pumper);
  const mem = memory(pids);
  // The tail: every open subscriber must get its room's last message. A saturated server is still working off
  // its backlog when the window ends, so the wait lasts while deliveries keep coming: it ends `drainMs` after
  // the last one, or DRAIN_EXTRA_MS past `drainMs` in all. (A fixed deadline wrote late messages off as lost,
  // then counted each as a duplicate when it came in the next phase; and counting frames instead of each
  // subscriber's progress let those late frames end the next phase's drain early.)
  const drainStarted = performance.now();
  let lastProgressAt = drainStarted;
  let receivedBefore = totals.received;
  while (subs.some((sub) => awaitsMore(sub))) {
    const now = performance.now();
    if (totals.received !== receivedBefore) {
      receivedBefore = totals.received;
      lastProgressAt = now;
    }
    if (now - lastProgressAt >= drainMs || now - drainStarted >= drainMs + DRAIN_EXTRA_MS) break;
    await sleep(20);
  }
  // Whatever never came is lost: each subscriber's next expected number against its room's last one.
  let missing = 0;
  for (const sub of subs) {
    if (sub.room === undefined) continue;
    const last = roomTotals.get(sub.room) ?? 0;
    if (sub.next <= last) {
      missing += last - sub.next + 1;
      sub.next = last + 1;
    }
  }
  const seconds = (t1 - t0) / 1000;
  return {
    deliveries: totals.windowReceived,
    perSecond: totals.windowReceived / seconds,
    p50: histogram.percentile(50),
    p95: histogram.percentile(95),
    p99: histogram.percentile(99),
    latency: histogram.toSparse(),
    cpuUsPerDelivery: totals.windowReceived > 0 ? (cpu1 - cpu0) / totals.windowReceived : undefined,
    serverCpuPct: ((cpu1 - cpu0) / 1e6 / seconds) * 100,
    genCpuPct: ((self1.user + self1.system) / 1e6 / seconds) * 100,
    otherLoadPct: otherLoadPct(busy0, busy1, cpu1 - cpu0, seconds),
    lost: totals.lost + missing,
    duplicates: totals.duplicates,
    late: totals.late,
    seqGaps: totals.seqGaps,
    closed: totals.closed - closedBefore,
    published: publishedMessages,
    rss: mem.rss,
    hwm: mem.hwm,
  };
}

/**
 * Whether a subscriber that can still receive has not yet got its room's last published message.
 * @param {Sub} sub
 */
function awaitsMore(sub) {
  return sub.room !== undefined && sub.ws.readyState === WebSocket.OPEN && sub.next <= (roomTotals.get(sub.room) ?? 0);
}

/**
 * A client publisher per room (its first subscriber, which receives its own messages like every member):
 * sends message `n` of a room, stamped with the publish time, in the server's own client protocol.
 * @param {string} kind
 * @param {string[]} rooms
 * @returns {(roomId: string, n: number) => void}
 */
function clientPublisher(kind, rooms) {
  /** @type {Map<string, WebSocket>} */
  const senders = new Map();
  for (const roomId of rooms) {
    const sub = subs.find((candidate) => candidate.room === roomId);
    if (sub === undefined) throw new Error(`no subscriber in ${roomId} to publish`);
    senders.set(roomId, sub.ws);
  }
  return (roomId, n) => {
    const ws = /** @type {WebSocket} */ (senders.get(roomId));
    const t = nowUs();
    if (kind === 'gateway') {
      const payload = { room_id: roomId, client_msg_id: `b-${n}`, content: GATEWAY_CONTENT, metadata: { n, t } };
      ws.send(JSON.stringify({ type: 'chat.send', ref: `p${n}`, payload }));
    } else if (kind === 'socketio') ws.send(`42${JSON.stringify(['send', { room: roomId, n, t }])}`);
    else ws.send(JSON.stringify({ type: 'send', room: roomId, n, t }));
  };
}

/**
 * Idle connections: server CPU over a window while heartbeats run.
 * @param {{windowMs: number, pids: number[], core?: number}} args
 */
async function idle({ windowMs, pids, core }) {
  const closedBefore = totals.closed;
  const cpu0 = cpuUs(pids);
  const busy0 = coreBusyUs(core);
  const t0 = performance.now();
  await sleep(windowMs);
  const cpu1 = cpuUs(pids);
  const busy1 = coreBusyUs(core);
  const seconds = (performance.now() - t0) / 1000;
  return {
    serverCpuPct: ((cpu1 - cpu0) / 1e6 / seconds) * 100,
    otherLoadPct: otherLoadPct(busy0, busy1, cpu1 - cpu0, seconds),
    closed: totals.closed - closedBefore,
  };
}

/**
 * Stalled subscribers: every subscriber stops reading (its socket paused, as a phone whose app froze), and
 * `messages` of `bytes` each are published to the room as fast as the server takes them, `batch` per
 * control request, each request answered before the next is sent (so the server is never handed more than
 * one batch ahead). Reports the servers' peak RSS over the phase and how many subscribers the server
 * dropped (its own connection count, read after `settleMs`: a server that cuts slow consumers does so then).
 * @param {{pids: number[], rooms: string[], messages: number, bytes: number, batch: number, settleMs: number, timeoutMs: number}} args
 */
async function stall({ pids, rooms, messages, bytes, batch, settleMs, timeoutMs }) {
  const before = await controlAsk({ op: 'info' });
  for (const sub of subs) /** @type {import('node:net').Socket} */ (/** @type {any} */ (sub.ws)._socket).pause();
  for (const pid of pids) resetPeakRss(pid);
  const rssBefore = memory(pids).rss;
  const started = performance.now();
  let published = 0;
  while (published < messages && performance.now() - started < timeoutMs) {
    const count = Math.min(batch, messages - published);
    await controlAsk({ op: 'publish', rooms, count, bytes });
    published += count;
  }
  const publishMs = performance.now() - started;
  await sleep(settleMs);
  const after = await controlAsk({ op: 'info' });
  return {
    published,
    publishMs,
    rssBefore,
    peakRss: memory(pids).hwm,
    dropped: Math.max(0, (before.connections ?? 0) - (after.connections ?? 0)),
  };
}

/**
 * Waits until no frame has arrived for `QUIET_MS` (at most `QUIET_CAP_MS`): a storm's last frames may still
 * be queued in the server's sockets for a reader that lags, and memory is measured at rest, not in flight.
 */
async function quiet() {
  const deadline = Date.now() + QUIET_CAP_MS;
  let seen = totals.frames;
  let since = Date.now();
  while (Date.now() < deadline && Date.now() - since < QUIET_MS) {
    await sleep(25);
    if (totals.frames !== seen) {
      seen = totals.frames;
      since = Date.now();
    }
  }
}

/**
 * Memory after a forced GC in the server (the servers run with --expose-gc).
 * @param {number[]} pids
 */
async function settle(pids) {
  await quiet();
  if (process.env.BENCH_REST_MS) await sleep(Number(process.env.BENCH_REST_MS));
  const { heapUsed, external, youngGen } = await controlAsk({ op: 'gc' });
  await sleep(100);
  return { ...memory(pids), live: heapUsed + external, heapUsed, external, youngGen };
}

async function closeAll() {
  for (const sub of subs) sub.ws.terminate();
  subs = [];
  roomTotals.clear();
  control?.destroy();
  control = undefined;
  totals.closed = 0;
  await sleep(50);
  return {};
}

process.on('message', async (/** @type {any} */ message) => {
  /** @type {any} */
  let reply;
  try {
    if (message.cmd === 'connect') reply = await connectAll(message);
    else if (message.cmd === 'phase') reply = await phase(message);
    else if (message.cmd === 'idle') reply = await idle(message);
    else if (message.cmd === 'stall') reply = await stall(message);
    else if (message.cmd === 'connect-control') {
      control = await openControl(message.controlPort);
      reply = await settle(message.pids);
    } else if (message.cmd === 'settle') reply = await settle(message.pids);
    else if (message.cmd === 'memory') reply = memory(message.pids);
    else if (message.cmd === 'close') reply = await closeAll();
    else if (message.cmd === 'exit') {
      await closeAll();
      process.exit(0);
    }
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  process.send?.({ id: message.id, ...reply });
});
