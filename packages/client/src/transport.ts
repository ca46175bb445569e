/** The members of a WebSocket the client uses: the browser's, React Native's and `ws` all have them. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** `ws`'s constructor, as far as the client uses it: the third argument carries its options. */
type WsConstructor = new (url: string, protocols: undefined, options: { maxPayload: number }) => WebSocketLike;

/**
 * The `ws` fallback with a frame cap: by default `ws` buffers frames of up to 100 MiB before the client's
 * own `maxIncomingFrameBytes` check can drop them. The cap is in bytes and that check in characters (up
 * to 3 bytes each), so it stays above every frame the check would let through; past it `ws` closes 1009.
 */
export function cappedWs(Ws: unknown, maxIncomingFrameBytes: number): WebSocketConstructor {
  // No WebSocket at all (a runtime without one): opening fails later, with the error that says to pass one.
  if (typeof Ws !== 'function') return Ws as WebSocketConstructor;
  const Base = Ws as WsConstructor;
  const maxPayload = 3 * maxIncomingFrameBytes;
  return class extends Base {
    constructor(url: string) {
      super(url, undefined, { maxPayload });
    }
  };
}
