// Baseline: Socket.IO with rooms, websocket transport only. The room comes from the handshake query
// (`?room=…`) or from a `join` event (`socket.join(room)`, acknowledged); a client publishes with a `send`
// event `{room, n, t}` and the server fans it out as the control channel's publish does; a message is `io.to(room).emit('chat.message', payload)` (Socket.IO encodes it once per
// broadcast). Liveness is Socket.IO's own ping (25 s).
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { announce, chatPayload, nowUs, startControl } from './common.mjs';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });

io.on('connection', (socket) => {
  const roomId = socket.handshake.query.room;
  if (typeof roomId === 'string' && roomId !== '') socket.join(roomId);
  socket.on('join', (/** @type {unknown} */ room, /** @type {unknown} */ ack) => {
    if (typeof room === 'string') socket.join(room);
    if (typeof ack === 'function') ack('joined');
  });
  socket.on('send', (/** @type {{room: string, n: number, t: number}} */ message) => {
    publish(message.room, message.n, undefined, message.t);
  });
});

/**
 * @param {string} roomId
 * @param {number} n
 * @param {number} [bytes]
 * @param {number} [t] publish time (µs), when a client published
 */
function publish(roomId, n, bytes, t = nowUs()) {
  io.to(roomId).emit('chat.message', chatPayload(roomId, n, t, bytes));
}

http.listen(0, '127.0.0.1', async () => {
  const controlPort = await startControl(publish, () => ({ connections: io.engine.clientsCount }));
  announce({
    port: /** @type {import('node:net').AddressInfo} */ (http.address()).port,
    controlPort,
    path: '/socket.io/',
  });
});
