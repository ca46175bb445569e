// Baselines: a minimal `ws` broadcast server. The room comes from the URL (`/ws?room=…`). Each message is
// serialised once into one Buffer shared by every recipient. With `--coalesce`, each recipient's socket is
// corked at its first frame of a tick and uncorked on the next tick, so a burst leaves in one writev: the
// practical limit for Node. Liveness: clients heartbeat as the gateway's do and each heartbeat is answered
// with the gateway's ack frame (one read and one write per heartbeat, as there); a socket silent from one
// 60 s sweep to the next is cut.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { announce, chatPayload, nowUs, startControl } from './common.mjs';

const coalesce = process.argv.includes('--coalesce');
/** @type {Map<string, Set<import('ws').WebSocket>>} */
const rooms = new Map();
const http = createServer((_request, response) => response.end('ok'));
const wss = new WebSocketServer({ server: http, path: '/ws', perMessageDeflate: false });
const HEARTBEAT_TYPE = Buffer.from('"type":"heartbeat"');
const HEARTBEAT_ACK = Buffer.from('{"type":"heartbeat_ack"}');
/** Sockets heard from since the last sweep. @type {WeakSet<import('ws').WebSocket>} */
const alive = new WeakSet();

wss.on('connection', (ws, request) => {
  const roomId = new URL(request.url ?? '/', 'http://localhost').searchParams.get('room');
  alive.add(ws);
  ws.on('message', (data) => {
    alive.add(ws);
    if (/** @type {Buffer} */ (data).indexOf(HEARTBEAT_TYPE) === 1) ws.send(HEARTBEAT_ACK, { binary: false });
  });
  ws.on('error', () => {});
  if (roomId === null) return;
  let members = rooms.get(roomId);
  if (members === undefined) {
    members = new Set();
    rooms.set(roomId, members);
  }
  members.add(ws);
  ws.on('close', () => members.delete(ws));
});

const pinger = setInterval(() => {
  for (const ws of wss.clients) {
    if (!alive.has(ws)) {
      ws.terminate();
      continue;
    }
    alive.delete(ws);
  }
}, 60_000);
pinger.unref();

/** @type {import('node:net').Socket[]} */
let corked = [];
function uncorkAll() {
  const sockets = corked;
  corked = [];
  for (const socket of sockets) socket.uncork();
}

/**
 * @param {string} roomId
 * @param {number} n
 * @param {number} [bytes]
 */
function publish(roomId, n, bytes) {
  const members = rooms.get(roomId);
  if (members === undefined) return;
  const frame = Buffer.from(
    JSON.stringify({ seq: n, type: 'chat.message', payload: chatPayload(roomId, n, nowUs(), bytes) }),
  );
  if (!coalesce) {
    for (const ws of members) ws.send(frame, { binary: false });
    return;
  }
  for (const ws of members) {
    // biome-ignore lint/complexity/useLiteralKeys: ws keeps its net.Socket in a private field; corking it is the point.
    const socket = /** @type {import('node:net').Socket} */ (ws['_socket']);
    if (socket.writableCorked === 0) {
      if (corked.length === 0) process.nextTick(uncorkAll);
      socket.cork();
      corked.push(socket);
    }
    ws.send(frame, { binary: false });
  }
}

http.listen(0, '127.0.0.1', async () => {
  const controlPort = await startControl(publish, () => ({ connections: wss.clients.size }));
  announce({ port: /** @type {import('node:net').AddressInfo} */ (http.address()).port, controlPort, path: '/ws' });
});
