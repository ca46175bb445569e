// The clock lives in @gateway/testkit, which apps use too; imported from its source (the server cannot depend on
// the kit, which depends on the server).
export { ManualClock } from '../../../testkit/src/manual-clock';
