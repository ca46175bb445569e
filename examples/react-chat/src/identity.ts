/** Who this browser joins as, and where: kept in localStorage so a reload rejoins. */
export interface Identity {
  readonly name: string;
  readonly room: string;
}

const KEY = 'gateway-react-chat';

export function loadIdentity(): Identity | undefined {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<Identity> | null;
    return typeof saved?.name === 'string' && typeof saved.room === 'string'
      ? { name: saved.name, room: saved.room }
      : undefined;
  } catch {
    return undefined;
  }
}

export function saveIdentity(identity: Identity | undefined): void {
  if (identity === undefined) localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, JSON.stringify(identity));
}

/** A user id from a display name, for the gateway's dev mode (a real app gets it from its token). */
export function userIdOf(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return slug.length > 0 ? slug.slice(0, 48) : 'guest';
}

/** The gateway: `?gateway=ws://…` when given (tests), else this page's host at /ws (Vite passes it on). */
export function gatewayUrl(): string {
  const given = new URLSearchParams(location.search).get('gateway');
  if (given !== null) return given;
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}
