// One authenticated user, staying inside whatever limits the server is given, fills every store it can reach
// (room history over many room ids, dedup claims, recordings, presence data), then leaves. Run as a child
// process with `--expose-gc` so the heap is measured after full collections, in a process holding nothing
// else: prints one JSON line `{baseline_bytes, peak_bytes, retained_bytes, sent, ...}`.
//
// Reads ATTACK (JSON): { serverModule: path of the server's src/index.ts (this checkout's or another's),
// options: startServer options, messages, rooms, contentChars, metadataChars?, recordings }. Uses only the public API
// (startServer, stats) and the wire, so it runs against older checkouts too.
import WebSocket from 'ws';
import { settledHeap } from '../helpers/gc-child';

interface Attack {
  serverModule: string;
  options: Record<string, unknown>;
  messages: number;
  rooms: number;
  contentChars: number;
  /** Metadata chars per message, so a frame can reach `max_frame_bytes` beyond the content's own cap. */
  metadataChars?: number;
  recordings: number;
}

const attack = JSON.parse(process.env.ATTACK ?? '{}') as Attack;
// Before anything is measured: a process started without --expose-gc fails here, not halfway.
settledHeap();

type Frame = { type: string; ref?: string; payload?: Record<string, unknown> };

/** One connection that answers refs: `request` resolves with the reply to its ref. */
function connect(
  url: string,
): Promise<{ ws: WebSocket; request(frame: Frame): Promise<Frame>; send(frame: Frame): void }> {
  const ws = new WebSocket(url);
  const waiting = new Map<string, (frame: Frame) => void>();
  let readyResolve: ((frame: Frame) => void) | undefined;
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Frame;
    if (frame.type === 'ready') readyResolve?.(frame);
    if (frame.ref !== undefined) {
      waiting.get(frame.ref)?.(frame);
      waiting.delete(frame.ref);
    }
  });
  let refs = 0;
  const send = (frame: Frame) => ws.send(JSON.stringify(frame));
  const request = (frame: Frame) =>
    new Promise<Frame>((resolve, reject) => {
      const ref = `r${++refs}`;
      const timer = setTimeout(() => reject(new Error(`no reply to ${frame.type}`)), 10_000);
      waiting.set(ref, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      send({ ...frame, ref });
    });
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      const ready = new Promise<Frame>((done) => {
        readyResolve = done;
      });
      send({
        type: 'identify',
        payload: { user_id: 'patient-attacker', presence: { status: 'online', data: { blob: 'p'.repeat(1500) } } },
      });
      void ready.then(() => resolve({ ws, request, send }));
    });
  });
}

const { startServer } = (await import(attack.serverModule)) as {
  startServer(options: Record<string, unknown>): Promise<{
    wsUrl: string;
    gateway: { stats(): { sessions: number; connections: number } };
    close(): Promise<void>;
  }>;
};
const server = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', ...attack.options });
// A first client and its departure warm up what any server allocates once (zod, JIT, buffers).
const warm = await connect(server.wsUrl);
warm.ws.close(1000);
await until(() => server.gateway.stats().sessions === 0);
const baseline = settledHeap();

const client = await connect(server.wsUrl);
const content = 'm'.repeat(attack.contentChars);
const metadata = attack.metadataChars ? { pad: 'd'.repeat(attack.metadataChars) } : undefined;
let sent = 0;
let refused = 0;
let peak = 0;
const perRoom = Math.ceil(attack.messages / attack.rooms);
for (let room = 0; room < attack.rooms && sent < attack.messages; room++) {
  const roomId = `room-${room}`;
  await client.request({ type: 'subscribe', payload: { room_ids: [roomId] } });
  for (let i = 0; i < perRoom && sent < attack.messages; i++) {
    const reply = await client.request({
      type: 'chat.send',
      payload: { room_id: roomId, client_msg_id: `c-${sent}`, content, ...(metadata ? { metadata } : {}) },
    });
    sent += 1;
    if (reply.type !== 'ack') refused += 1;
  }
  for (let r = 0; r < attack.recordings; r++) {
    await client.request({ type: 'recording.start', payload: { room_id: roomId, recording_id: `rec-${room}-${r}` } });
  }
  await client.request({ type: 'unsubscribe', payload: { room_ids: [roomId] } });
  if (room % 20 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
}
client.ws.close(1000);
await until(() => server.gateway.stats().sessions === 0 && server.gateway.stats().connections === 0);
const retained = settledHeap() - baseline;
process.stdout.write(
  `${JSON.stringify({ baseline_bytes: baseline, peak_bytes: peak - baseline, retained_bytes: retained, sent, refused })}\n`,
);
await server.close();
process.exit(0);

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the server to let the client go');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
