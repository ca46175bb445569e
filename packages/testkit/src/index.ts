export {
  startTestGateway,
  type TestClientOptions,
  type TestGateway,
  type TestGatewayOptions,
} from './gateway';
export { ManualClock } from './manual-clock';
export { type NetworkControl, NetworkProxy } from './network-proxy';
export { type ClientEventName, type WaitForEventOptions, type WaitOptions, waitForEvent, waitForState } from './waits';
