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
  // http(s):// becomes ws(s)://; a URL with no scheme:// (and not a path) gets ws:// in front.
  const fix = url.replace(/^(?:http(s?):\/\/|(?![\w+.-]+:\/\/|\/))/i, 'ws$1://');
  const hint = isWebSocketUrl(fix) ? `did you mean "${fix}"?` : 'e.g. "ws://127.0.0.1:8081/ws".';
  throw new TypeError(`options.url must be a ws:// or wss:// URL, not "${url}": ${hint}`);
}
