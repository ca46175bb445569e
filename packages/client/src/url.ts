const isWebSocketUrl = (url: string): boolean => {
  try {
    return /^wss?:$/.test(new URL(url).protocol);
  } catch {
    return false;
  }
};

/**
 * Throws a TypeError that names the fix when `url` cannot reach a gateway: `localhost:8081` (which parses,
 * as the scheme `localhost:`), `http://…`, a relative path, anything but an absolute ws:// or wss:// URL.
 */
export function checkUrl(url: string): void {
  if (isWebSocketUrl(url)) return;
  const fix = /^[a-z][\w+.-]*:\/\//i.test(url) ? url.replace(/^(?:http(s?)|[^:]+):/i, 'ws$1:') : `ws://${url}`;
  const hint = url[0] !== '/' && isWebSocketUrl(fix) ? `did you mean "${fix}"?` : 'e.g. "ws://127.0.0.1:8081/ws".';
  throw new TypeError(`options.url must be a ws:// or wss:// URL, not "${url}": ${hint}`);
}
