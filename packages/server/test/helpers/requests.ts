import type { Frame, TestClient } from './ws-client';

let refs = 0;

/** Sends a request with a fresh ref and resolves with the reply that carries it. */
export function request(client: TestClient, type: string, payload: object): Promise<Frame> {
  const ref = `r${++refs}`;
  client.send({ type, payload, ref });
  return client.reply(ref);
}

/**
 * Sends one last message into the room and waits until every client has it: whatever was dispatched
 * before it (in the same order everywhere) has arrived too.
 */
export async function settle(sender: TestClient, room: string, clients: TestClient[]): Promise<void> {
  const marker = `settle-${++refs}`;
  await request(sender, 'chat.send', { room_id: room, client_msg_id: marker, content: marker });
  for (const client of clients) {
    for (let i = 0; i < 100; i++) if ((await client.next('chat.message')).payload.content === marker) break;
  }
}

/** Sends chat messages from `sender`, one after another, each waiting for its ack. */
export async function say(sender: TestClient, room: string, ...contents: string[]): Promise<void> {
  for (const content of contents) {
    await request(sender, 'chat.send', { room_id: room, client_msg_id: `${content}-${++refs}`, content });
  }
}

/** The next `count` chat messages a client receives (not returned before). */
export async function nextMessages(client: TestClient, count: number): Promise<Frame[]> {
  const out: Frame[] = [];
  for (let i = 0; i < count; i++) out.push(await client.next('chat.message'));
  return out;
}
