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
    // Read off globalThis: undefined where there is none (Node, a worker), where a bare `window` would throw.
    const win = globalThis.window as Window | undefined;
    const doc = globalThis.document as Document | undefined;
    if (typeof win?.addEventListener !== 'function' || typeof doc?.addEventListener !== 'function') return () => {};
    const listeners: [EventTarget, string, (event?: Event) => void][] = [
      [win, 'online', () => onChange('online')],
      [win, 'offline', () => onChange('offline')],
      // `persisted` is true when the page goes into the back/forward cache and may come back: keep the
      // session for a resume then. Otherwise the tab is really closing or navigating away.
      [
        win,
        'pagehide',
        (event) => (event as { persisted?: boolean } | undefined)?.persisted === true || onChange('terminate'),
      ],
      [doc, 'visibilitychange', () => onChange(doc.visibilityState === 'hidden' ? 'background' : 'foreground')],
    ];
    for (const [target, type, listener] of listeners) target.addEventListener(type, listener);
    return () => {
      for (const [target, type, listener] of listeners) target.removeEventListener(type, listener);
    };
  },
};
