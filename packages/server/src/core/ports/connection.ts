/** What the core needs from a socket; the transport adapter provides it (graphql-ws makeServer style). */
export interface Connection {
  send(text: string): void;
  /**
   * Optional fast path for fan-out: one text frame made of an ASCII `prefix` (`{"seq":12,`) followed by
   * `body`, UTF-8 bytes shared by every recipient, so the transport need not build a string per socket.
   * Without it the core sends `prefix + body` as text through `send`.
   */
  sendShared?(prefix: string, body: Uint8Array): void;
  /**
   * Optional fast path for a sequenced dispatch: `sendShared('{"seq":<seq>,', body)` with the prefix's
   * bytes written by the transport, so no string is made per recipient. Without it the core builds the
   * prefix and takes `sendShared` (or `send`).
   */
  sendSequenced?(seq: number, body: Uint8Array): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written; lets the core close slow consumers. */
  readonly bufferedAmount?: number;
}

/** What the transport knows about the peer, for logs. */
export interface ConnectionInfo {
  remoteAddress?: string;
  userAgent?: string;
  origin?: string;
}

/** The transport feeds each socket's events back through this. */
export interface ConnectionHandle {
  message(data: string | Uint8Array, isBinary: boolean): void;
  closed(code: number, reason: string): void;
  /**
   * True while a session is attached (identify or resume accepted); false before, while a token is being
   * verified, and once closed. The transport reads it to cap unidentified connections per address.
   */
  readonly identified: boolean;
}
