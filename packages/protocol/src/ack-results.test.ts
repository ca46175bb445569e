import { describe, expect, it } from 'vitest';
import { ackResultSchemas } from './ack-results';
import { sampleMessage } from './testing/frame-samples';
import { clientFrameSchemas } from './unions';

const valid: { [K in keyof typeof ackResultSchemas]: unknown } = {
  'chat.send': { status: 'accepted', message_id: 'm1', client_msg_id: 'c1', room_id: 'r1' },
  'chat.edit': { message_id: 'm1' },
  'chat.delete': { message_id: 'm1' },
  'chat.history': { room_id: 'r1', messages: [sampleMessage] },
  'chat.stream_fetch': { stream_id: 's1', room_id: 'r1', chunks: [{ index: 0, content: 'Hel' }], ended: false },
  'presence.list': { room_id: 'r1', presence: [], next: 'u-9' },
  'recording.start': { recording_id: 'rec1' },
  'recording.event': { recording_id: 'rec1', index: 0 },
  'recording.stop': { recording_id: 'rec1', events: 3 },
  'presence.update': {},
  replay: { replayed: 0 },
  reauth: { expires_at: '2025-10-27T13:00:00.000Z' },
};

describe('ackResultSchemas', () => {
  it('are keyed by client request types', () => {
    for (const type of Object.keys(ackResultSchemas)) expect(clientFrameSchemas).toHaveProperty([type]);
  });

  it.each(Object.entries(valid))('accept a valid %s result', (type, result) => {
    expect(ackResultSchemas[type as keyof typeof ackResultSchemas].safeParse(result).success).toBe(true);
  });

  it.each([true, false])('accept a chat.history page that says more: %s', (more) => {
    expect(ackResultSchemas['chat.history'].safeParse({ room_id: 'r1', messages: [], more }).success).toBe(true);
  });

  it('accept a duplicate chat.send ack', () => {
    expect(
      ackResultSchemas['chat.send'].safeParse({ ...(valid['chat.send'] as object), duplicate: true }).success,
    ).toBe(true);
  });

  it.each([
    ['chat.send', { status: 'FAILED', message_id: 'm1', client_msg_id: 'c1', room_id: 'r1' }],
    ['chat.send', { status: 'accepted', message_id: 'm1', room_id: 'r1' }],
    ['chat.history', { room_id: 'r1' }],
    ['chat.history', { room_id: 'r1', messages: [], more: 'yes' }],
    ['chat.stream_fetch', { stream_id: 's1', room_id: 'r1', chunks: [{ index: -1, content: 'x' }], ended: false }],
    ['recording.event', { recording_id: 'rec1', index: 0.5 }],
    ['replay', { replayed: -1 }],
  ] as const)('refuse an invalid %s result', (type, result) => {
    expect(ackResultSchemas[type].safeParse(result).success).toBe(false);
  });
});
