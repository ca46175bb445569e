import type { ConnectionHandle } from '../core/ports/connection';

/** Connections one address may hold, unless `maxConnectionsPerAddress` says. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 100;
/** Connections one address may hold before they identify, unless `maxUnidentifiedPerAddress` says. */
export const DEFAULT_MAX_UNIDENTIFIED_PER_ADDRESS = 10;

/** A positive whole number of connections, or Infinity (no cap); anything else throws, naming the option. */
export function addressCap(name: string, value: number): number {
  if (value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value > 0)) return value;
  throw new RangeError(`${name} must be a positive whole number (or Infinity), got ${value}.`);
}

export interface AddressCapSettings {
  readonly maxConnections: number;
  readonly maxUnidentified: number;
}

/** One counted socket: from its upgrade request until it closes; its handle once the gateway took it. */
export interface AddressSlot {
  readonly key: string;
  handle: ConnectionHandle | undefined;
}

export type AddressRefusal = 'too_many_connections' | 'too_many_unidentified';

/**
 * Open sockets by address key, so one host cannot hold every socket or every identify deadline. A slot is taken
 * at the upgrade, before the handshake, and given back when the socket closes, however it closes: an address
 * with no socket left has no entry. Whether a socket has identified is asked of its handle when it matters.
 */
export class AddressCaps {
  private readonly byAddress = new Map<string, Set<AddressSlot>>();
  private readonly refusedCounts: Record<AddressRefusal, number> = {
    too_many_connections: 0,
    too_many_unidentified: 0,
  };

  constructor(private readonly settings: AddressCapSettings) {}

  /** A slot for one more socket from `key`, or why not. */
  take(key: string): AddressSlot | AddressRefusal {
    const slots = this.byAddress.get(key);
    const refusal = slots === undefined ? undefined : this.refusal(slots);
    if (refusal !== undefined) {
      this.refusedCounts[refusal] += 1;
      return refusal;
    }
    const slot: AddressSlot = { key, handle: undefined };
    if (slots === undefined) this.byAddress.set(key, new Set([slot]));
    else slots.add(slot);
    return slot;
  }

  /** The socket closed (or its upgrade failed): its slot is free, and an address without sockets is forgotten. */
  release(slot: AddressSlot): void {
    const slots = this.byAddress.get(slot.key);
    if (slots === undefined) return;
    slots.delete(slot);
    if (slots.size === 0) this.byAddress.delete(slot.key);
  }

  /** Addresses holding a socket now. */
  get addresses(): number {
    return this.byAddress.size;
  }

  /** Upgrades refused since start, by reason. */
  refused(): Readonly<Record<AddressRefusal, number>> {
    return { ...this.refusedCounts };
  }

  private refusal(slots: ReadonlySet<AddressSlot>): AddressRefusal | undefined {
    const { maxConnections, maxUnidentified } = this.settings;
    if (slots.size >= maxConnections) return 'too_many_connections';
    // Fewer sockets than the cap on unidentified ones cannot reach it: no need to ask each one.
    if (slots.size < maxUnidentified) return undefined;
    let unidentified = 0;
    for (const slot of slots) {
      if (slot.handle?.identified !== true && ++unidentified >= maxUnidentified) return 'too_many_unidentified';
    }
    return undefined;
  }
}
