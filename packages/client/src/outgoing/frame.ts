import type { ServerFrameOf } from '@gateway/protocol';

/** A frame on its way to the server. */
export interface Outgoing {
  readonly type: string;
  readonly payload?: unknown;
  readonly ref?: string;
}

/** A server frame that answers a request by its `ref`. */
export type Reply = ServerFrameOf<'ack' | 'error' | 'subscribed' | 'unsubscribed'>;
