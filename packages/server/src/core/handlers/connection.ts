import { type ClientFrameOf, PROTOCOL_VERSION, sequenceDispatch, type User } from '@gateway/protocol';
import type { ClientConnection } from '../client-connection';
import { randomChars } from '../ids';
import type { Parts } from '../parts';
import { pageBytesFor } from '../presence/pages';
import type { PresenceSnapshot } from '../presence/presence';
import { holdRecovering, recoverRooms } from '../recovery';
import type { Session } from '../session';
import { verifyClientToken } from './authenticate';
import { oversizePresenceData } from './presence';
import { authorizeRooms, roomPositions, roomPresence } from './rooms';

const MAX_DISPLAY_NAME = 64;

type IdentifyParts = Pick<
  Parts,
  'options' | 'lifecycle' | 'replies' | 'membership' | 'presence' | 'authExpiry' | 'newSession'
>;

/**
 * Identify: authenticate, create the session, subscribe the initial rooms, register presence, answer ready.
 * The `ready` snapshot shows this session's own device: when the table puts changes in a common order across
 * instances, the session attaches only once its own changes are in (a dispatch meanwhile waits in its replay
 * buffer and follows `ready`).
 */
export async function onIdentify(
  rt: IdentifyParts,
  connection: ClientConnection,
  frame: ClientFrameOf<'identify'>,
): Promise<void> {
  if (!connection.moveTo('identifying')) {
    rt.replies.reject(connection, 'already_identified', 'This connection has identified already.', frame.ref);
    return;
  }
  const request = frame.payload;
  if (request.protocol_version !== undefined && request.protocol_version !== PROTOCOL_VERSION) {
    rt.lifecycle.close(connection, 'unsupported_version', `This server speaks protocol version ${PROTOCOL_VERSION}.`);
    return;
  }
  const identity = await authenticate(rt, connection, request);
  if (identity === undefined || connection.state !== 'identifying') return;
  const { user, expiresAt } = identity;
  const { random } = rt.options;
  const deviceId = request.device_id ?? `dev-${randomChars(random, 12)}`;
  const session = rt.newSession(randomChars(random, 20), user, deviceId, request.device_type ?? 'other');
  const { granted, refused } = await authorizeRooms(rt, session, [...new Set(request.subscriptions ?? [])]);
  if (connection.state !== 'identifying') return;
  if (!(await rt.lifecycle.admit(connection, user.id))) return;
  if (!rt.lifecycle.makeRoomFor(connection, user.id)) return;

  // Data above the limit stays out, but the user comes in: refusing the identify would only bring it back.
  const tooLarge = oversizePresenceData(rt, request.presence?.data);
  const data = tooLarge === undefined ? request.presence?.data : undefined;
  rt.membership.register(session, request.presence?.status ?? 'online', data);
  // Rooms the client names a position for are held from before it joins them until their replay is out.
  const recovering = holdRecovering(session, request.since, granted);
  for (const roomId of granted) rt.membership.joinRoom(session, roomId);
  const settling = rt.presence.settled();
  if (settling !== undefined) await settling;
  const plan = await recoverRooms(rt, session, recovering);
  const positions = await roomPositions(rt, granted, plan);
  if (connection.state !== 'identifying' || session.ended) {
    rt.lifecycle.end(session);
    return;
  }

  // Everything from here to the ready frame is synchronous, so no dispatch can reach the client before it.
  rt.lifecycle.attach(session, connection);
  session.send('ready', {
    session_id: session.id,
    user,
    device_id: session.deviceId,
    subscriptions: granted,
    ...presenceSnapshot(rt),
    rooms: granted.map((roomId) => roomPresence(rt, roomId, positions.get(roomId))),
    refused,
    ...(plan.answers.length > 0 ? { recovery: plan.answers } : {}),
  });
  if (tooLarge !== undefined) rt.replies.fail(session, 'payload_too_large', `${tooLarge} Online without it.`);
  // What reached the session while its presence settled: numbered already, it goes out right after ready.
  if (session.lastSeq > 0) {
    for (const entry of session.replay.since(0) ?? []) connection.write(sequenceDispatch(entry.prepared, entry.seq));
  }
  // Then each recovered room's missed dispatches, numbered on, before anything live of the room.
  plan.replay();
  rt.authExpiry.set(connection, expiresAt);
  rt.options.logger.debug({ session_id: session.id, user_id: user.id, connection_id: connection.id }, 'identified');
}

async function authenticate(
  rt: Pick<Parts, 'options' | 'lifecycle'>,
  connection: ClientConnection,
  request: ClientFrameOf<'identify'>['payload'],
): Promise<{ user: User; expiresAt: number | undefined } | undefined> {
  const verify = rt.options.verifyToken;
  if (verify === undefined) {
    // Dev mode: the client names itself (seed 000's `user_id`); the server logged this loudly at start.
    const id = request.user_id ?? `guest-${randomChars(rt.options.random, 6)}`;
    return { user: withName(id, request.display_name), expiresAt: undefined };
  }
  const verified = await verifyClientToken(rt, connection, verify, request.token, 'identify');
  if (verified === undefined) return undefined;
  // The name is the token's too: `identify.display_name` counts in dev mode only, or anyone could be "admin".
  return { user: withName(verified.id, verified.display_name), expiresAt: verified.expires_at };
}

function withName(id: string, displayName: string | undefined): User {
  return displayName === undefined ? { id } : { id, display_name: cutWhole(displayName, MAX_DISPLAY_NAME) };
}

/** At most `max` UTF-16 units, never ending in half a surrogate pair (a token's name may be any length). */
function cutWhole(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/**
 * Everyone online with global presence: at most `maxPresenceSnapshot` of them, first by user id, and no more
 * than a page's bytes (so `ready` stays far below the buffer cap and the client's frame cap); `presence_total`
 * when that is not all.
 */
function presenceSnapshot(rt: Pick<Parts, 'options' | 'presence'>): PresenceSnapshot {
  const { maxPresenceSnapshot, maxBufferedBytes } = rt.options;
  return rt.presence.snapshot(maxPresenceSnapshot, pageBytesFor(maxBufferedBytes));
}

export function onHeartbeat(
  rt: Pick<Parts, 'registry'>,
  connection: ClientConnection,
  frame: ClientFrameOf<'heartbeat'>,
): void {
  const lastSeq = frame.payload?.last_seq;
  const session = lastSeq === undefined ? undefined : rt.registry.sessionOf(connection);
  // The client has everything up to last_seq, so the replay buffer need not keep it.
  if (session !== undefined && lastSeq !== undefined && lastSeq <= session.lastSeq) session.trimReplay(lastSeq);
  connection.send('heartbeat_ack', {}, frame.ref);
}

/** Gap repair on a live connection: resend the missed dispatches with their original seq. */
export function onReplay(
  rt: Pick<Parts, 'replies' | 'counters'>,
  session: Session,
  frame: ClientFrameOf<'replay'>,
): void {
  const since = frame.payload.since;
  const missed = since >= session.lastSeq ? [] : session.replay.since(since);
  if (missed === undefined) {
    rt.replies.fail(
      session,
      'replay_unavailable',
      `The replay buffer no longer reaches back to seq ${since}.`,
      frame.ref,
    );
    return;
  }
  for (const entry of missed) session.write(sequenceDispatch(entry.prepared, entry.seq));
  rt.counters.replayed(missed.length);
  rt.replies.ack(session, { replayed: missed.length }, frame.ref);
}
