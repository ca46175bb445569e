import {
  type ClientState,
  defineEvent,
  type GatewayClient,
  type GatewayClientError,
  type RoomRecovery,
} from '@gateway/client';
import * as z from 'zod/mini';
import { withDeadline } from './wait';

/** The stream the server publishes: ticks numbered 1..N, sequenced like any dispatch. */
export const tick = defineEvent('chaos.tick', z.object({ n: z.int() }), { direction: 'server' });
export const chaosEvents = [tick] as const;
export type ChaosClient = GatewayClient<typeof chaosEvents>;

/** One chat message as a subscriber's app saw it. */
export interface SeenMessage {
  readonly message_id: string;
  readonly client_msg_id: string | undefined;
  readonly sender_id: string;
}

/** One chat message this subscriber sent, and how its send ended. */
export interface SentMessage {
  readonly client_msg_id: string;
  readonly sentAt: number;
  ackedAt?: number;
  message_id?: string;
  /** The server had seen this client_msg_id before: a retry after a lost ack. */
  duplicate?: boolean;
  rejected?: string;
}

/**
 * Everything one subscriber's application observes, recorded as it happens: the ticks, the chat messages,
 * the acks, resets, and the timing of every reconnect (socket lost → ready or resumed again).
 */
export class Subscriber {
  readonly ticks: number[] = [];
  /** Distinct ticks and chat messages seen, kept as they arrive so convergence checks stay cheap. */
  readonly distinctTicks = new Set<number>();
  readonly distinctMessages = new Set<string>();
  readonly messages: SeenMessage[] = [];
  readonly sent: SentMessage[] = [];
  /** Acks the app saw, by client_msg_id: each send should be acked exactly once. */
  readonly acks = new Map<string, number>();
  readonly resets: string[] = [];
  /** Resets that named this subscriber's room: its state was lost and must be refetched. */
  roomResets = 0;
  /** How the room came back from the client's position, each time a new session answered `since`. */
  readonly recoveries: RoomRecovery[] = [];
  readonly errors: string[] = [];
  /** Close codes the server announced with `goodbye` (4001: declared dead; 4102: replaced by a resume). */
  readonly goodbyes: number[] = [];
  readonly replayed: number[] = [];
  /** Socket lost (left `ready`) → `ready` or `resumed` again, in ms. */
  readonly reconnectMs: number[] = [];
  /** `hello` received and `resume` sent → `resumed`, in ms: the server's side of a resume plus a round trip. */
  readonly resumeMs: number[] = [];
  /** The state when the run was judged, before the harness closed the client. */
  finalState: ClientState | undefined;
  invalidSessions = 0;
  gaps = 0;
  /** Times the session became usable again: `ready` or `resumed`. */
  readies = 0;

  #lostAt: number | undefined;
  #handshakeAt: number | undefined;
  #waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly client: ChaosClient,
    readonly room: string,
  ) {
    client.on('chaos.tick', ({ n }) =>
      this.#record(() => {
        this.ticks.push(n);
        this.distinctTicks.add(n);
      }),
    );
    client.on('chat.message', (message) => {
      if (message.room_id !== room) return;
      const { message_id, client_msg_id, sender_id } = message;
      this.#record(() => {
        this.messages.push({ message_id, client_msg_id, sender_id });
        if (client_msg_id !== undefined) this.distinctMessages.add(client_msg_id);
      });
    });
    client.on('ack', (payload) => {
      const id = payload?.client_msg_id;
      if (typeof id === 'string') this.acks.set(id, (this.acks.get(id) ?? 0) + 1);
    });
    client.on('state', ({ from, to }) => this.#record(() => this.#onState(from, to)));
    client.on('ready', () => this.#record(() => this.#back(false)));
    client.on('resumed', ({ replayed }) =>
      this.#record(() => {
        this.replayed.push(replayed);
        this.#back(true);
      }),
    );
    client.on('reset', ({ reason, rooms }) =>
      this.#record(() => {
        this.resets.push(reason);
        if (rooms.includes(room)) this.roomResets++;
      }),
    );
    client.on('recovery', (answer) => {
      if (answer.room_id === room) this.recoveries.push(answer);
    });
    client.on('invalid_session', () => this.invalidSessions++);
    client.on('gap', () => this.gaps++);
    client.on('goodbye', ({ code }) => this.goodbyes.push(code));
    client.on('error', (error: GatewayClientError) => this.errors.push(error.code));
  }

  get state(): ClientState {
    return this.client.state;
  }

  /** Sends one chat message and records how it ends; never rejects. */
  async send(clientMsgId: string, content: string): Promise<void> {
    const sent: SentMessage = { client_msg_id: clientMsgId, sentAt: Date.now() };
    this.sent.push(sent);
    try {
      const ack = await this.client.sendMessage(this.room, content, { clientMsgId });
      sent.ackedAt = Date.now();
      sent.message_id = ack.message_id;
      if (ack.duplicate === true) sent.duplicate = true;
    } catch (error) {
      sent.rejected = (error as GatewayClientError).code ?? String(error);
    }
    this.#notify();
  }

  /** Resolves once `check` holds, re-checked whenever this subscriber records something; rejects at the deadline. */
  async until(check: () => boolean, ms: number, what: string): Promise<void> {
    if (check()) return;
    let waiter: (() => void) | undefined;
    const done = new Promise<void>((resolve) => {
      waiter = () => {
        if (check()) resolve();
      };
      this.#waiters.add(waiter);
    });
    try {
      await withDeadline(done, ms, `${this.name}: ${what}`);
    } finally {
      if (waiter !== undefined) this.#waiters.delete(waiter);
    }
  }

  #onState(from: ClientState, to: ClientState): void {
    if (from === 'ready' && this.#lostAt === undefined) this.#lostAt = Date.now();
    if (to === 'handshaking') this.#handshakeAt = Date.now();
  }

  #back(resumed: boolean): void {
    const now = Date.now();
    if (this.#lostAt !== undefined) this.reconnectMs.push(now - this.#lostAt);
    if (resumed && this.#handshakeAt !== undefined) this.resumeMs.push(now - this.#handshakeAt);
    this.#lostAt = undefined;
    this.#handshakeAt = undefined;
    this.readies++;
  }

  #record(change: () => void): void {
    change();
    this.#notify();
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
