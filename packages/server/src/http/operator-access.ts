import type { IncomingMessage } from 'node:http';
import type { AuthMode } from '../core/options';
import { bearerCheck } from './bearer';

/**
 * Who may read the operator endpoints (`GET /stats`, `/rooms/:id`, `/metrics`):
 * - `key`: whoever sends `Authorization: Bearer <operatorKey>` (or the publish key when no operator key is set);
 * - `open`: anyone, in dev mode outside production with no key set, where anyone may already be anyone;
 * - `off`: nobody (the endpoints answer 404): an authenticated mode with no key, the default.
 */
export type OperatorAccess =
  | { readonly kind: 'key'; readonly allows: (authorization: string | undefined) => boolean }
  | { readonly kind: 'open' }
  | { readonly kind: 'off' };

export interface OperatorAccessSettings {
  operatorKey?: string | undefined;
  publishKey?: string | undefined;
  mode: AuthMode;
  production: boolean;
}

/** The rule above, decided once at start. */
export function operatorAccess({ operatorKey, publishKey, mode, production }: OperatorAccessSettings): OperatorAccess {
  const key = nonEmpty(operatorKey) ?? nonEmpty(publishKey);
  if (key !== undefined) return { kind: 'key', allows: bearerCheck([key]) };
  return mode === 'dev' && !production ? { kind: 'open' } : { kind: 'off' };
}

/** What a request to an operator endpoint gets: through, 401 (ask for the key) or 404 (there is nothing here). */
export function admitOperator(access: OperatorAccess, req: IncomingMessage): 'allowed' | 'unauthorized' | 'not_found' {
  switch (access.kind) {
    case 'open':
      return 'allowed';
    case 'off':
      return 'not_found';
    case 'key':
      return access.allows(req.headers.authorization) ? 'allowed' : 'unauthorized';
  }
}

function nonEmpty(key: string | undefined): string | undefined {
  return key === undefined || key === '' ? undefined : key;
}
