/**
 * - `online` / `offline`: the network came back or went away;
 * - `foreground` / `background`: the page became visible or hidden (the app came to the front or left it);
 * - `terminate`: the page or app is going away for good; the client closes cleanly so its session ends now.
 */
export type LifecycleEvent = 'online' | 'offline' | 'foreground' | 'background' | 'terminate';

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
    // `persisted` is true when the page goes into the back/forward cache and may come back: keep the
    // session for a resume then. Otherwise the tab is really closing or navigating away.
    const pagehide = (event: { persisted?: boolean } | undefined) => {
      if (event?.persisted !== true) onChange('terminate');
    };
    win.addEventListener('online', online);
    win.addEventListener('offline', offline);
    win.addEventListener('pagehide', pagehide);
    doc.addEventListener('visibilitychange', visibility);
    return () => {
      win.removeEventListener('online', online);
      win.removeEventListener('offline', offline);
      win.removeEventListener('pagehide', pagehide);
      doc.removeEventListener('visibilitychange', visibility);
    };
  },
};
