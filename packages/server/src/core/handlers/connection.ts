import { type ClientFrameOf, PROTOCOL_VERSION, type PresenceEntry, type User } from '@gateway/protocol';
import { TokenExpiredError } from '../errors';
import { randomChars } from '../ids';
import type { Runtime } from '../runtime';
import type { Session } from '../session';
import { authorizeRooms } from './rooms';

const MAX_DISPLAY_NAME = 64;

/** Identify: authenticate, subscribe the initial rooms, register presence, answer ready. */
export async function onIdentify(rt: Runtime, session: Session, frame: ClientFrameOf<'identify'>): Promise<void> {
  if (session.state !== 'pre_identify') {
    rt.reject(session, 'already_identified', 'This connection has identified already.', frame.ref);
    return;
  }
  const request = frame.payload;
  if (request.protocol_version !== undefined && request.protocol_version !== PROTOCOL_VERSION) {
    rt.close(session, 'unsupported_version', `This server speaks protocol version ${PROTOCOL_VERSION}.`, false);
    return;
  }
  session.state = 'identifying';
  const user = await authenticate(rt, session, request);
  if (user === undefined || session.state !== 'identifying') return;
  session.user = user;
  session.deviceId = request.device_id ?? `dev-${randomChars(rt.options.random, 12)}`;
  session.deviceType = request.device_type ?? 'other';
  const { granted } = await authorizeRooms(rt, session, [...new Set(request.subscriptions ?? [])]);
  if (session.state !== 'identifying') return;
  if (session.identifyTimer !== undefined) rt.options.clock.clearTimeout(session.identifyTimer);
  session.identifyTimer = undefined;

  // Everything from here to the ready frame is synchronous, so no dispatch can reach the client before it.
  session.state = 'ready';
  rt.register(session, request.presence?.status ?? 'online', request.presence?.data);
  for (const roomId of granted) rt.joinRoom(session, roomId);
  session.send('ready', {
    session_id: session.id,
    user,
    device_id: session.deviceId,
    subscriptions: granted,
    presence: presenceSnapshot(rt, session),
  });
  rt.options.logger.debug({ session_id: session.id, user_id: user.id }, 'identified');
}

async function authenticate(
  rt: Runtime,
  session: Session,
  request: ClientFrameOf<'identify'>['payload'],
): Promise<User | undefined> {
  const verify = rt.options.verifyToken;
  if (verify === undefined) {
    // Dev mode: the client names itself (seed 000's `user_id`); the server logged this loudly at start.
    return withName(request.user_id ?? `guest-${randomChars(rt.options.random, 6)}`, request.display_name);
  }
  if (request.token === undefined || request.token === '') {
    rt.close(session, 'authentication_failed', 'A token is required to identify.', false);
    return undefined;
  }
  try {
    const verified = await verify(request.token);
    if (verified === null) {
      rt.close(session, 'authentication_failed', 'The token was not accepted.', false);
      return undefined;
    }
    return withName(verified.id, verified.display_name ?? request.display_name);
  } catch (error) {
    if (error instanceof TokenExpiredError) {
      rt.close(session, 'token_expired', 'The token has expired; identify with a fresh one.', false);
    } else {
      rt.options.logger.debug({ err: error, session_id: session.id }, 'token rejected');
      rt.close(session, 'authentication_failed', 'The token was not accepted.', false);
    }
    return undefined;
  }
}

function withName(id: string, displayName: string | undefined): User {
  return displayName === undefined ? { id } : { id, display_name: displayName.slice(0, MAX_DISPLAY_NAME) };
}

/** Everyone online in global scope; otherwise the users sharing a room with this connection. */
function presenceSnapshot(rt: Runtime, session: Session): PresenceEntry[] {
  if (rt.options.globalPresence) return rt.presence.list();
  const userIds = new Set<string>(session.user === undefined ? [] : [session.user.id]);
  for (const roomId of session.rooms) for (const userId of rt.rooms.userIds(roomId)) userIds.add(userId);
  return [...userIds].flatMap((userId) => rt.presence.entry(userId) ?? []);
}

/** Sessions do not outlive their connection yet (issue 3 adds resume), so the client must identify afresh. */
export function onResume(rt: Runtime, session: Session, frame: ClientFrameOf<'resume'>): void {
  if (session.state !== 'pre_identify') {
    rt.reject(session, 'already_identified', 'This connection has identified already.', frame.ref);
    return;
  }
  session.send(
    'invalid_session',
    { resumable: false, reason: 'This server does not keep sessions across connections yet; identify afresh.' },
    frame.ref,
  );
}

export function onHeartbeat(session: Session, frame: ClientFrameOf<'heartbeat'>): void {
  const lastSeq = frame.payload?.last_seq;
  // The client has everything up to last_seq, so the replay buffer need not keep it.
  if (lastSeq !== undefined && lastSeq <= session.lastSeq) session.replay.trimThrough(lastSeq);
  session.send('heartbeat_ack', {}, frame.ref);
}

/** Gap repair on a live connection: resend the missed dispatches with their original seq. */
export function onReplay(rt: Runtime, session: Session, frame: ClientFrameOf<'replay'>): void {
  const since = frame.payload.since;
  const missed = since >= session.lastSeq ? [] : session.replay.since(since);
  if (missed === undefined) {
    rt.fail(session, 'replay_unavailable', `The replay buffer no longer reaches back to seq ${since}.`, frame.ref);
    return;
  }
  for (const entry of missed) session.write(entry.text);
  rt.ack(session, { replayed: missed.length }, frame.ref);
}
