/** FIN set, opcode 1: a whole text message in one frame (RFC 6455 §5.2). */
const FIN_TEXT = 0x81;

/** Bytes the start of a text frame takes: header (RFC 6455 §5.2, unmasked) plus the prefix (ASCII only). */
export function textFrameHeadLength(prefix: string, bodyLength: number): number {
  const payloadLength = prefix.length + bodyLength;
  return (payloadLength < 126 ? 2 : payloadLength < 65_536 ? 4 : 10) + prefix.length;
}

/**
 * Writes the start of an unmasked server-to-client text frame whose payload is `prefix` (ASCII) followed
 * by `bodyLength` more bytes: the frame header, then the prefix. Returns the offset after it, where the
 * body goes. Room for `textFrameHeadLength` bytes at `offset` is the caller's to provide.
 */
export function writeTextFrameHead(target: Buffer, offset: number, prefix: string, bodyLength: number): number {
  const payloadLength = prefix.length + bodyLength;
  target[offset] = FIN_TEXT;
  let at = offset + 2;
  if (payloadLength < 126) {
    target[offset + 1] = payloadLength;
  } else if (payloadLength < 65_536) {
    target[offset + 1] = 126;
    target.writeUInt16BE(payloadLength, offset + 2);
    at += 2;
  } else {
    target[offset + 1] = 127;
    // A 64-bit length; JavaScript lengths stay below 2^48, so the top two bytes are zero.
    target.writeUInt16BE(0, offset + 2);
    target.writeUIntBE(payloadLength, offset + 4, 6);
    at += 8;
  }
  // Byte by byte: for a prefix of a dozen ASCII characters this is several times cheaper than Buffer#write.
  for (let i = 0; i < prefix.length; i++) target[at + i] = prefix.charCodeAt(i);
  return at + prefix.length;
}
