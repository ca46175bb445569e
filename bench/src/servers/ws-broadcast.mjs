// Baselines: a minimal `ws` broadcast server. The room comes from the URL (`/ws?room=…`) or from a join
// message (`{"type":"join","room":…}`, answered with `{"type":"joined"}`); a client publishes with
// `{"type":"send","room":…,"n":…,"t":…}` and the server fans the chat message out, as the control channel's
// publish does. Each message is serialised once into one Buffer shared by every recipient. With
// `--coalesce` (the true limit for Node, what Socket.IO's adapter does): the WebSocket frame is built once
// (`Sender.frame`) and the same header and payload are written to every socket (`sendFrame`), each socket
// corked at its first frame of a tick and uncorked on the next tick, so a burst leaves in one writev.
// `--coalesce-reframe`: corked the same way, but framed per socket by `ws.send` (the earlier baseline).
// Frames sent are counted (`info().framesSent`). Liveness: clients heartbeat as the gateway's do and each heartbeat is answered
// with the gateway's ack frame (one read and one write per heartbeat, as there); a socket silent from one
// 60 s sweep to the next is cut.
import { createServer } from 'node:http';
import { Sender, WebSocket, WebSocketServer } from 'ws';
import { announce, chatPayload, nowUs, startControl } from './common.mjs';

const reframe = process.argv.includes('--coalesce-reframe');
const coalesce = reframe || process.argv.includes('--coalesce');
const frameOnce = coalesce && !reframe;
let framesSent = 0;
const JOIN_TYPE = Buffer.from('"type":"join"');
const SEND_TYPE = Buffer.from('"type":"send"');
const JOINED = Buffer.from('{"type":"joined"}');
/** @type {Map<string, Set<import('ws').WebSocket>>} */
const rooms = new Map();
const http = createServer((_request, response) => response.end('ok'));
const wss = new WebSocketServer({ server: http, path: '/ws', perMessageDeflate: false });
const HEARTBEAT_TYPE = Buffer.from('"type":"heartbeat"');
const HEARTBEAT_ACK = Buffer.from('{"type":"heartbeat_ack"}');
/** Sockets heard from since the last sweep. @type {WeakSet<import('ws').WebSocket>} */
const alive = new WeakSet();

wss.on('connection', (ws, request) => {
  alive.add(ws);
  /** @param {string} roomId */
  const join = (roomId) => {
    let members = rooms.get(roomId);
    if (members === undefined) {
      members = new Set();
      rooms.set(roomId, members);
    }
    const room = members;
    room.add(ws);
    ws.on('close', () => room.delete(ws));
  };
  ws.on('message', (raw) => {
    alive.add(ws);
    const data = /** @type {Buffer} */ (raw);
    if (data.indexOf(HEARTBEAT_TYPE) === 1) {
      framesSent++;
      ws.send(HEARTBEAT_ACK, { binary: false });
    } else if (data.indexOf(SEND_TYPE) === 1) {
      /** @type {{room: string, n: number, t: number}} */
      const message = JSON.parse(data.toString('utf8'));
      publish(message.room, message.n, undefined, message.t);
    } else if (data.indexOf(JOIN_TYPE) === 1) {
      join(JSON.parse(data.toString('utf8')).room);
      framesSent++;
      ws.send(JOINED, { binary: false });
    }
  });
  ws.on('error', () => {});
  const roomId = new URL(request.url ?? '/', 'http://localhost').searchParams.get('room');
  if (roomId !== null) join(roomId);
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

/** @param {import('ws').WebSocket} ws */
function corkOnce(ws) {
  // biome-ignore lint/complexity/useLiteralKeys: ws keeps its net.Socket in a private field; corking it is the point.
  const socket = /** @type {import('node:net').Socket} */ (ws['_socket']);
  if (socket.writableCorked === 0) {
    if (corked.length === 0) process.nextTick(uncorkAll);
    socket.cork();
    corked.push(socket);
  }
}

/**
 * @param {string} roomId
 * @param {number} n
 * @param {number} [bytes]
 * @param {number} [t] publish time (µs), when a client published
 */
function publish(roomId, n, bytes, t = nowUs()) {
  const members = rooms.get(roomId);
  if (members === undefined) return;
  const data = Buffer.from(JSON.stringify({ seq: n, type: 'chat.message', payload: chatPayload(roomId, n, t, bytes) }));
  framesSent += members.size;
  if (!coalesce) {
    for (const ws of members) ws.send(data, { binary: false });
    return;
  }
  if (!frameOnce) {
    for (const ws of members) {
      corkOnce(ws);
      ws.send(data, { binary: false });
    }
    return;
  }
  // One frame (header + payload) for every recipient: opcode 1 (text), unmasked, FIN.
  const frame = Sender.frame(data, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: true });
  for (const ws of members) {
    if (ws.readyState !== WebSocket.OPEN) continue;
    corkOnce(ws);
    // biome-ignore lint/complexity/useLiteralKeys: ws's public send frames per call; its sender writes a prebuilt frame.
    ws['_sender'].sendFrame(frame);
  }
}

http.listen(0, '127.0.0.1', async () => {
  const controlPort = await startControl(publish, () => ({ connections: wss.clients.size, framesSent }));
  announce({ port: /** @type {import('node:net').AddressInfo} */ (http.address()).port, controlPort, path: '/ws' });
});
