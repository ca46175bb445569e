/** Version of the wire protocol. A server refuses an `identify` naming another major version with close 4406. */
export const PROTOCOL_VERSION = 1;
