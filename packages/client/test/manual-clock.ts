// The clock lives in @gateway/testkit, which apps use too; imported from its source (the client cannot depend on
// the kit, which depends on the client).
export { ManualClock } from '../../testkit/src/manual-clock';
