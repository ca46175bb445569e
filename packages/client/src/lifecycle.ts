export type LifecycleEvent = 'online' | 'offline' | 'foreground' | 'background';

/** A source of network and app-state changes; React Native apps adapt `AppState` and NetInfo to it. */
export interface Lifecycle {
  subscribe(onChange: (event: LifecycleEvent) => void): () => void;
}

/** The browser's own signals, when there is a `window` and a `document` to listen to. */
export const browserLifecycle: Lifecycle = {
  subscribe(onChange) {
    const win = typeof window === 'undefined' ? undefined : window;
    const doc = typeof document === 'undefined' ? undefined : document;
    if (typeof win?.addEventListener !== 'function' || typeof doc?.addEventListener !== 'function') return () => {};
    const online = () => onChange('online');
    const offline = () => onChange('offline');
    const visibility = () => onChange(doc.visibilityState === 'hidden' ? 'background' : 'foreground');
    win.addEventListener('online', online);
    win.addEventListener('offline', offline);
    doc.addEventListener('visibilitychange', visibility);
    return () => {
      win.removeEventListener('online', online);
      win.removeEventListener('offline', offline);
      doc.removeEventListener('visibilitychange', visibility);
    };
  },
};
