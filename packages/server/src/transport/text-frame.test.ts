import { seqPrefix } from '@gateway/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seqPrefixLength, textFrameHeaderLength, writeSeqPrefix, writeTextFrameHeader } from './text-frame';

/** What ws itself would put on the wire for this text: the reference the hand-made frames must equal. */
function referenceFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const head =
    length < 126
      ? Buffer.from([0x81, length])
      : length < 65_536
        ? Buffer.from([0x81, 126, length >> 8, length & 0xff])
        : Buffer.concat([
            Buffer.from([0x81, 127, 0, 0]),
            Buffer.from(new Uint8Array(new BigUint64Array([BigInt(length)]).buffer).reverse().subarray(2)),
          ]);
  return Buffer.concat([head, payload]);
}

describe('text frames made by hand', () => {
  it('writes {"seq":N, exactly as seqPrefix spells it, for any safe seq', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (seq) => {
        const length = seqPrefixLength(seq);
        const target = Buffer.alloc(length + 2, 0xee);
        const end = writeSeqPrefix(target, 1, seq, length);
        expect(end).toBe(1 + length);
        expect(target.subarray(1, end).toString('latin1')).toBe(seqPrefix(seq));
        expect(target[0]).toBe(0xee);
        expect(target[end]).toBe(0xee);
      }),
    );
  });

  it.each([0, 125, 126, 65_535, 65_536, 70_000])('frames a payload of %i bytes as ws does', (length) => {
    const payload = Buffer.alloc(length, 0x61);
    const target = Buffer.alloc(textFrameHeaderLength(length) + length);
    const at = writeTextFrameHeader(target, 0, length);
    payload.copy(target, at);
    expect(target.equals(referenceFrame(payload))).toBe(true);
  });
});
