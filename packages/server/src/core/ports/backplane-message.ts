/** Where a room's log stands: its epoch and the offset of its last dispatch (0 before the first). */
export interface LogPosition {
  readonly epoch: string;
  readonly offset: number;
}

/** The position a backplane gave a room dispatch, carried on it to every instance (`BackplaneMessage.logged`). */
export interface LoggedAt extends LogPosition {
  readonly roomId: string;
}

/** Plain strings and arrays only, so a networked backplane can carry it as JSON unchanged. */
export interface BackplaneMessage {
  readonly type: string;
  /** The frame serialised once, without its opening brace (`PreparedDispatch.body`). */
  readonly body: string;
  /** Dispatches get each recipient's next seq; ephemeral frames (typing, ephemeral custom events) do not. */
  readonly sequenced: boolean;
  readonly exclude?: {
    readonly sessions?: readonly string[];
    readonly users?: readonly string[];
  };
  /**
   * Where a networked backplane recorded a sequenced message (the Redis stream id in `{prefix}events`), so
   * a session can later be rebuilt from that point on any instance. Absent for ephemeral frames and when
   * the message never left this instance (degraded delivery).
   */
  readonly position?: string;
  /**
   * Published to a room channel: number it in the room's log (`RoomLogs`) and keep it there. The core asks it
   * of every room dispatch but presence diffs.
   */
  readonly log?: boolean;
  /** Where the backplane logged it (with `log`): the room, its epoch and the offset it took. */
  readonly logged?: LoggedAt;
  /** The server id of the instance that published it, when it came over the network. */
  readonly origin?: string;
  /**
   * Publish at most once under this key (for `ttlMs`), whichever instance tries: a chat message whose
   * sender retried on another instance after the first one died between accepting and publishing it is
   * published by the retry, and never twice. Honoured for sequenced messages; never carried on the wire.
   */
  readonly once?: { readonly key: string; readonly ttlMs: number };
}
