import { describe, expectTypeOf, it } from 'vitest';
import { type ReactNativeLifecycleOptions, reactNativeLifecycle } from '../src/react-native';

// The modules as their own declarations shape them (written from react-native's and NetInfo's published
// types, which this package does not install): the adapter's structural types must accept each.
type AppStateStatus = 'active' | 'background' | 'inactive' | 'unknown' | 'extension';
type AppStateEvent = 'change' | 'memoryWarning' | 'blur' | 'focus';
interface NativeEventSubscription {
  remove(): void;
}

/** react-native up to 0.79: an interface with one signature for every event. */
interface AppStateStatic {
  currentState: AppStateStatus;
  isAvailable: boolean;
  addEventListener(type: AppStateEvent, listener: (state: AppStateStatus) => void): NativeEventSubscription;
}

/** react-native 0.80 and later (generated from Flow): a generic method over an event map. */
interface AppStateEventDefinitions {
  change: [AppStateStatus];
  memoryWarning: [];
  blur: [];
  focus: [];
}
declare class AppStateImpl {
  currentState: AppStateStatus | null;
  isAvailable: boolean;
  addEventListener<K extends AppStateEvent>(
    type: K,
    handler: (...args: AppStateEventDefinitions[K]) => void,
  ): NativeEventSubscription;
}

/** @react-native-community/netinfo's default export. */
type NetInfoState =
  | { type: 'none' | 'unknown'; isConnected: boolean | null; isInternetReachable: boolean | null; details: null }
  | { type: 'wifi'; isConnected: true; isInternetReachable: boolean | null; details: { ssid: string | null } };
declare const NetInfo: {
  configure(configuration: object): void;
  fetch(requestedInterface?: string): Promise<NetInfoState>;
  addEventListener: (listener: (state: NetInfoState) => void) => () => void;
};

describe('reactNativeLifecycle types', () => {
  it("accepts React Native's AppState, old and new, and NetInfo's default export", () => {
    expectTypeOf<{ AppState: AppStateStatic; NetInfo: typeof NetInfo }>().toExtend<ReactNativeLifecycleOptions>();
    expectTypeOf<{ AppState: AppStateImpl }>().toExtend<ReactNativeLifecycleOptions>();
  });

  it('returns a Lifecycle with terminate', () => {
    const lifecycle = reactNativeLifecycle({ AppState: {} as AppStateImpl, NetInfo });
    expectTypeOf(lifecycle.terminate).toEqualTypeOf<() => void>();
    expectTypeOf(lifecycle.subscribe).parameter(0).toBeFunction();
  });
});
