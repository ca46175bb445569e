import type { AppStateLike, NetInfoLike, NetInfoStateLike } from '../src/react-native';

// React Native's `AppState` and NetInfo as an app passes them to `reactNativeLifecycle`, played by the test.
// The kit's tests (packages/testkit) use them too, against the real gateway.

/** Listeners of one kind, as React Native's modules keep them; `emit` plays the platform. */
export class Signal<T> {
  private readonly listeners = new Set<(value: T) => void>();

  get listening(): number {
    return this.listeners.size;
  }

  add(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
}

/** `AppState` (in `currentState` at first) and NetInfo; `setAppState` and `netInfo.emit` report changes. */
export function fakePlatform(currentState = 'active') {
  const appState = new Signal<string>();
  const netInfo = new Signal<NetInfoStateLike>();
  const AppState: AppStateLike & { currentState: string } = {
    currentState,
    addEventListener: (_type, listener) => ({ remove: appState.add(listener) }),
  };
  const NetInfo: NetInfoLike = { addEventListener: (listener) => netInfo.add(listener) };
  const setAppState = (state: string) => {
    AppState.currentState = state;
    appState.emit(state);
  };
  return { AppState, NetInfo, appState, netInfo, setAppState };
}

export const online: NetInfoStateLike = { isConnected: true, isInternetReachable: true };
export const offline: NetInfoStateLike = { isConnected: false, isInternetReachable: false };
