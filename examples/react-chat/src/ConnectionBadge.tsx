import { useConnection } from '@gateway/react';

/** The connection's state, and the last error in plain words while it is not ready. */
export function ConnectionBadge() {
  const { state, error } = useConnection();
  return (
    <span className="badge" data-state={state} title={state === 'ready' ? undefined : error?.message}>
      {state}
    </span>
  );
}
