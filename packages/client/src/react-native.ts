// `@gateway/client/react-native`: React Native's app-state and network signals as the client's `Lifecycle`.
// The app passes its own `AppState` and NetInfo modules in; this entry imports nothing from React Native, and
// nothing of it is reachable from `createClient`, so browser bundles never carry it.
import type { Lifecycle, LifecycleEvent } from './lifecycle';

/** The part of React Native's `AppState` the adapter uses (`import { AppState } from 'react-native'`). */
export interface AppStateLike {
  /** `active`, `background`, `inactive` (iOS), `unknown` or `extension`; `change` reports the same values. */
  readonly currentState?: string | null | undefined;
  addEventListener(type: 'change', listener: (state: string) => void): { remove(): void };
}

/** What a NetInfo report carries that the adapter reads; `null` means not known yet. */
export interface NetInfoStateLike {
  readonly isConnected: boolean | null;
  readonly isInternetReachable?: boolean | null | undefined;
}

/** The part of `@react-native-community/netinfo`'s default export the adapter uses. */
export interface NetInfoLike {
  /** Calls `listener` with the current state soon after subscribing, then on every change; returns the unsubscribe. */
  addEventListener(listener: (state: NetInfoStateLike) => void): () => void;
}

export interface ReactNativeLifecycleOptions {
  /** React Native's `AppState`. */
  AppState: AppStateLike;
  /** NetInfo's default export. Without it the client reconnects on its backoff, not as soon as the network returns. */
  NetInfo?: NetInfoLike | undefined;
}

/** The client's `Lifecycle`, plus the one signal React Native cannot give by itself. */
export interface ReactNativeLifecycle extends Lifecycle {
  /**
   * Tells every client using this lifecycle that the app is going away for good (sign-out, or your own
   * "quit"): they close cleanly and their sessions end now. React Native reports no kill to JavaScript, so
   * nothing else sends it; a killed app's socket drops and its session waits out the resume window.
   */
  terminate(): void;
}

/**
 * `active` is the foreground and `background` the background. iOS's `inactive` (the app switcher, a call, Control
 * Center: still running, on its way in or out) is neither, but coming back from it to `active` is a return.
 */
const appStateEvent = (state: string, was: string | undefined): LifecycleEvent | undefined =>
  state === was ? undefined : state === 'active' ? 'foreground' : state === 'background' ? 'background' : undefined;

/** Online when connected and not known to be cut off from the internet; offline when either is known false. */
const netInfoEvent = ({ isConnected, isInternetReachable }: NetInfoStateLike): LifecycleEvent | undefined =>
  isConnected === false || isInternetReachable === false ? 'offline' : isConnected === true ? 'online' : undefined;

/**
 * Adapts React Native's `AppState` (and NetInfo, when given) to the client's `lifecycle` option:
 * `active` → `foreground` (from any other state, iOS's `inactive` included), `background` → `background`,
 * NetInfo's connectivity → `online`/`offline`, each only when it changes. Back in the foreground or online,
 * the client checks its connection on the clock and reconnects (resuming its session) when it died meanwhile.
 *
 * ```ts
 * import NetInfo from '@react-native-community/netinfo';
 * import { AppState } from 'react-native';
 * const client = createClient({ url, getToken, lifecycle: reactNativeLifecycle({ AppState, NetInfo }) });
 * ```
 */
export function reactNativeLifecycle({ AppState, NetInfo }: ReactNativeLifecycleOptions): ReactNativeLifecycle {
  const terminators = new Set<() => void>();
  return {
    subscribe(onChange) {
      let app = AppState.currentState ?? undefined;
      let network: LifecycleEvent | undefined;
      const appState = AppState.addEventListener('change', (state) => {
        const event = appStateEvent(state, app);
        app = state;
        if (event !== undefined) onChange(event);
      });
      const stopNetInfo = NetInfo?.addEventListener((state) => {
        const event = netInfoEvent(state);
        if (event === undefined || event === network) return;
        network = event;
        onChange(event);
      });
      const terminate = () => onChange('terminate');
      terminators.add(terminate);
      return () => {
        terminators.delete(terminate);
        appState.remove();
        stopNetInfo?.();
      };
    },
    terminate() {
      for (const terminate of [...terminators]) terminate();
    },
  };
}
