/** Bytes Redis spends on a stream entry beyond its fields' text: id, listpack headers, field names. */
const ENTRY_OVERHEAD_BYTES = 64;
/** Weight of the newest entry in the running average: about the last 100 entries count. */
const SMOOTHING = 0.01;

/**
 * The MAXLEN of the events stream, so that it is bounded by bytes as well as by count. Redis caps a stream
 * by entries only, so the cap in entries follows the running average size of what this instance appends:
 * when users send maximum-size messages the stream keeps fewer of them, and about `maxBytes` in all.
 */
export class StreamBudget {
  private averageBytes: number | undefined;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  /** The MAXLEN to append an entry of `entryBytes` with. */
  maxLengthFor(entryBytes: number): number {
    const bytes = entryBytes + ENTRY_OVERHEAD_BYTES;
    this.averageBytes =
      this.averageBytes === undefined ? bytes : this.averageBytes + (bytes - this.averageBytes) * SMOOTHING;
    return Math.max(1, Math.min(this.maxEntries, Math.floor(this.maxBytes / this.averageBytes)));
  }
}
