// The test kit's clock, imported from its source like the client's tests do.
export { ManualClock } from '../../testkit/src/manual-clock';
