import type { ClientState, GatewayClient, GatewayClientError } from '@gateway/client';
import { Listeners, listenTo } from './listen';

/** The client's connection state, and the last error it reported since it was last `ready`. */
export interface ConnectionStatus {
  readonly state: ClientState;
  /** The last `error` event (a failed attempt says why: `connect_failed`, `upgrade_rejected`, …); cleared on `ready`. */
  readonly error: GatewayClientError | undefined;
}

export const INITIAL_CONNECTION: ConnectionStatus = { state: 'idle', error: undefined };

/** The connection status of one client, kept from its `state` and `error` events while attached. */
export class ConnectionStore {
  readonly listeners = new Listeners();
  private _status: ConnectionStatus;

  constructor(private readonly _client: GatewayClient) {
    this._status = { state: _client.state, error: undefined };
  }

  /** The status now; the state is read from the client, so it is right before `attach` too. */
  get(): ConnectionStatus {
    if (this._status.state !== this._client.state) this._status = { ...this._status, state: this._client.state };
    return this._status;
  }

  /** Follows the client's events until the returned function is called. */
  attach(): () => void {
    return listenTo(this._client, {
      state: ({ to }) => this._update({ state: to, error: to === 'ready' ? undefined : this._status.error }),
      error: (error) => this._update({ state: this._client.state, error }),
    });
  }

  private _update(status: ConnectionStatus): void {
    // Each event is news, even when `get` already saw the new state on the client.
    this._status = status;
    this.listeners.notify();
  }
}
