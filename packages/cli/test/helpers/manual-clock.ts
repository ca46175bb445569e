// The test kit's clock (imported from its source: the kit depends on the client, as the cli does), starting at a
// fixed date so the times `tail` prints are the same on every run.
import { ManualClock as KitClock } from '../../../testkit/src/manual-clock';

export class ManualClock extends KitClock {
  constructor(start = Date.UTC(2026, 11, 5, 12)) {
    super(start);
  }
}
