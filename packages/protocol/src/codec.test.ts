import { describe, expect, it } from 'vitest';
import { parseClientFrame } from './codec';

describe('parseClientFrame', () => {
  it('accepts a heartbeat without payload', () => {
    expect(parseClientFrame('{"type":"heartbeat"}')).toEqual({ ok: true, frame: { type: 'heartbeat' } });
  });
});
