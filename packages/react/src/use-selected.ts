import { useMemo, useSyncExternalStore } from 'react';

/**
 * `useSyncExternalStore` with a selector: the component re-renders only when the selection changes by
 * `isEqual`, not whenever the store does (the shape of React's own `useSyncExternalStoreWithSelector`).
 */
export function useSelected<S, T>(
  subscribe: (changed: () => void) => () => void,
  getSnapshot: () => S,
  getServerSnapshot: () => S,
  select: (snapshot: S) => T,
  isEqual: (a: T, b: T) => boolean,
): T {
  const [get, getServer] = useMemo(() => {
    let last: { snapshot: S; selection: T } | undefined;
    const pick = (snapshot: S): T => {
      if (last !== undefined && Object.is(last.snapshot, snapshot)) return last.selection;
      const selection = select(snapshot);
      const kept = last !== undefined && isEqual(last.selection, selection) ? last.selection : selection;
      last = { snapshot, selection: kept };
      return kept;
    };
    return [() => pick(getSnapshot()), () => pick(getServerSnapshot())];
  }, [getSnapshot, getServerSnapshot, select, isEqual]);
  return useSyncExternalStore(subscribe, get, getServer);
}
