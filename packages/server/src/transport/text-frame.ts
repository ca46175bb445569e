/** FIN set, opcode 1: a whole text message in one frame (RFC 6455 §5.2). */
const FIN_TEXT = 0x81;

/** Bytes an unmasked server-to-client frame header takes for a payload of this length (RFC 6455 §5.2). */
export function textFrameHeaderLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65_536 ? 4 : 10;
}

/**
 * Writes the header of an unmasked server-to-client text frame whose payload is `payloadLength` bytes and
 * returns the offset after it, where the payload goes. Room for `textFrameHeaderLength` bytes at `offset`
 * is the caller's to provide.
 */
export function writeTextFrameHeader(target: Buffer, offset: number, payloadLength: number): number {
  target[offset] = FIN_TEXT;
  if (payloadLength < 126) {
    target[offset + 1] = payloadLength;
    return offset + 2;
  }
  if (payloadLength < 65_536) {
    target[offset + 1] = 126;
    target.writeUInt16BE(payloadLength, offset + 2);
    return offset + 4;
  }
  target[offset + 1] = 127;
  // A 64-bit length; JavaScript lengths stay below 2^48, so the top two bytes are zero.
  target.writeUInt16BE(0, offset + 2);
  target.writeUIntBE(payloadLength, offset + 4, 6);
  return offset + 10;
}

/** ASCII `{"seq":`, the start of every sequenced dispatch. */
const SEQ_OPEN = [0x7b, 0x22, 0x73, 0x65, 0x71, 0x22, 0x3a] as const;

/** Bytes `{"seq":<seq>,` takes. */
export function seqPrefixLength(seq: number): number {
  let digits = 1;
  for (let rest = seq; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return SEQ_OPEN.length + digits + 1;
}

/**
 * Writes `{"seq":<seq>,` (the same text as the template the core would otherwise build per recipient)
 * straight into `target`, `length` being `seqPrefixLength(seq)`, and returns the offset after it. A
 * fan-out makes no string per recipient this way, only these bytes.
 */
export function writeSeqPrefix(target: Buffer, offset: number, seq: number, length: number): number {
  for (let i = 0; i < SEQ_OPEN.length; i++) target[offset + i] = SEQ_OPEN[i] as number;
  const end = offset + length - 1;
  let rest = seq;
  for (let at = end - 1; at >= offset + SEQ_OPEN.length; at--) {
    target[at] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  target[end] = 0x2c;
  return end + 1;
}
