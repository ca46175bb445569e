import { idAfter, sortableId } from './ids';
import type { Clock } from './ports/clock';

/** Ids and timestamps from the injected clock and random source. */
export class Stamps {
  /**
   * The last timestamp made, and its clock ms: everything stamped within one ms (an identify stamps the
   * presence delta, the session's own presence and the snapshot row) shares one string instead of a copy each.
   */
  private stamp = '';
  private stampedAt = Number.NaN;
  private lastId = '';

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number,
  ) {}

  timestamp(): string {
    const now = this.clock.now();
    if (now !== this.stampedAt) {
      this.stampedAt = now;
      this.stamp = new Date(now).toISOString();
    }
    return this.stamp;
  }

  /**
   * Time-ordered, so message ids sort by creation: within one millisecond (or after the clock stepped back) the
   * random part alone would sort anywhere, so such an id counts on from the last one instead. An app paging its
   * own database by id (`loadHistory`) then sees one instance's messages in the order they were made.
   */
  newId(): string {
    const id = sortableId(this.clock.now(), this.random);
    this.lastId = id > this.lastId ? id : idAfter(this.lastId);
    return this.lastId;
  }
}
