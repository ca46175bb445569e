import { describe, expect, it } from 'vitest';
import { clientFrameSchemas } from '../unions';

const history = clientFrameSchemas['chat.history'];
const frame = (payload: object) => ({ type: 'chat.history', payload });

describe('chat.history cursors', () => {
  it.each([
    ['no cursor', { room_id: 'r' }],
    ['a limit', { room_id: 'r', limit: 20 }],
    ['before a message', { room_id: 'r', before: { message_id: 'm1' } }],
    ['after a message', { room_id: 'r', after: { message_id: 'm1' }, limit: 100 }],
    ['after a position', { room_id: 'r', after: { epoch: 'e-1', offset: 0 } }],
    [
      'between two positions',
      { room_id: 'r', after: { epoch: 'e-1', offset: 12 }, before: { epoch: 'e-1', offset: 40 } },
    ],
    ['a message and a position', { room_id: 'r', after: { message_id: 'm1' }, before: { epoch: 'e', offset: 3 } }],
    // Larger limits are valid and answered as the cap (MAX_HISTORY_LIMIT), as older clients may send them.
    ['a limit above the cap', { room_id: 'r', limit: 500 }],
  ])('accept %s', (_name, payload) => {
    expect(history.safeParse(frame(payload)).success).toBe(true);
  });

  it.each([
    ['an empty cursor', { room_id: 'r', before: {} }],
    ['an empty message id', { room_id: 'r', after: { message_id: '' } }],
    ['a negative offset', { room_id: 'r', after: { epoch: 'e', offset: -1 } }],
    ['a fractional offset', { room_id: 'r', before: { epoch: 'e', offset: 1.5 } }],
    ['a position without epoch', { room_id: 'r', before: { offset: 3 } }],
    ['an empty epoch', { room_id: 'r', before: { epoch: '', offset: 3 } }],
    ['a bare id as cursor', { room_id: 'r', before: 'm1' }],
    ['a zero limit', { room_id: 'r', limit: 0 }],
  ])('refuse %s', (_name, payload) => {
    expect(history.safeParse(frame(payload)).success).toBe(false);
  });
});
