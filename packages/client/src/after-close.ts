import { closeVerdict } from '@gateway/protocol';

export type AfterClose =
  /** Reconnecting cannot help: stop and surface a `fatal_close` error. */
  | { readonly action: 'stop'; readonly closeCode: number }
  /** Reconnect; `reidentify` when the session is gone and must not be resumed. */
  | { readonly action: 'reconnect'; readonly closeCode: number; readonly reidentify: boolean };

/**
 * The one place that decides what a close means for the client. `goodbyeCode` is the code the server
 * announced in its `goodbye` frame: some platforms lose the close code (1005/1006), the goodbye keeps it.
 * A token-expired close is fatal when there is no `getToken` to fetch a fresh one.
 */
export function afterClose(code: number, goodbyeCode: number | undefined, canRefreshToken: boolean): AfterClose {
  const closeCode = (code === 1005 || code === 1006) && goodbyeCode !== undefined ? goodbyeCode : code;
  const verdict = closeVerdict(closeCode);
  if (verdict === 'fatal' || (verdict === 'refresh_token' && !canRefreshToken)) return { action: 'stop', closeCode };
  return { action: 'reconnect', closeCode, reidentify: verdict === 'reidentify' };
}
