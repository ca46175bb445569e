import type { EventDefinition } from '@gateway/protocol';
import { expect } from 'vitest';
import type { TestServer } from './server';
import type { Frame, TestClient } from './ws-client';

/** The highest seq a client has received: what it would put in `resume.seq`. */
export function lastSeq(client: TestClient): number {
  return client.frames.reduce((max, frame) => Math.max(max, frame.seq ?? 0), 0);
}

/** Cuts the socket without a close handshake (network loss) and waits until the server has noticed. */
export async function dropConnection<E extends readonly EventDefinition[]>(
  t: TestServer<E>,
  client: TestClient,
): Promise<void> {
  const before = t.server.gateway.stats().connections;
  client.ws.terminate();
  await expect.poll(() => t.server.gateway.stats().connections, { timeout: 2000 }).toBe(before - 1);
}

/** Opens a new connection and sends `resume`; returns the connection and the server's answer. */
export async function resume<E extends readonly EventDefinition[]>(
  t: TestServer<E>,
  payload: { session_id: string; seq: number; token?: string },
): Promise<{ client: TestClient; answer: Frame }> {
  const client = await t.connect();
  client.send({ type: 'resume', ref: 'resume', payload });
  const answer = await client.reply('resume');
  return { client, answer };
}

/** Frames of the given types, in arrival order. */
export function framesOf(client: TestClient, ...types: string[]): Frame[] {
  return client.frames.filter((frame) => types.includes(frame.type));
}
