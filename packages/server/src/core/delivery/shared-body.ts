const utf8 = new TextEncoder();

/**
 * The part of a fanned-out frame every recipient shares (a dispatch's body after its seq, or a whole
 * unsequenced frame), as text and, encoded at most once whoever asks first, as UTF-8 bytes: a transport
 * that takes bytes sends each recipient a small prefix plus these instead of converting a string per socket.
 */
export class SharedBody {
  private encoded: Uint8Array | undefined;

  constructor(readonly text: string) {}

  get bytes(): Uint8Array {
    this.encoded ??= utf8.encode(this.text);
    return this.encoded;
  }
}
