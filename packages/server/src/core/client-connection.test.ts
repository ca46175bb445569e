import { describe, expect, it } from 'vitest';
import { ClientConnection, type ConnectionState } from './client-connection';

const settings = {
  rateLimits: {
    general: { burst: 10, perSecond: 10 },
    typing: { burst: 1, perSecond: 1 },
    recording: { burst: 1, perSecond: 1 },
    heartbeat: { burst: 1, perSecond: 1 },
    presence: { burst: 1, perSecond: 1 },
  },
  maxFramesBeforeReady: 10,
  floodLimit: 5,
  floodWindowMs: 1000,
  badFrameLimit: 5,
  badFrameWindowMs: 1000,
  maxBufferedBytes: 1024,
};

function connectionIn(state: ConnectionState): ClientConnection {
  const socket = { send() {}, close() {} };
  const connection = new ClientConnection('c', socket, settings, { frameOut() {}, overflowed() {} }, 0);
  const path: Record<ConnectionState, ConnectionState[]> = {
    pre_identify: [],
    identifying: ['identifying'],
    ready: ['identifying', 'ready'],
    closed: ['closed'],
  };
  for (const step of path[state]) expect(connection.moveTo(step)).toBe(true);
  return connection;
}

const STATES: ConnectionState[] = ['pre_identify', 'identifying', 'ready', 'closed'];
const ALLOWED = new Set([
  'pre_identify→identifying',
  'pre_identify→closed',
  'identifying→pre_identify',
  'identifying→ready',
  'identifying→closed',
  'ready→closed',
]);

describe('ClientConnection.moveTo', () => {
  it.each(STATES.flatMap((from) => STATES.map((to) => [from, to] as const)))('%s → %s', (from, to) => {
    const connection = connectionIn(from);
    const allowed = ALLOWED.has(`${from}→${to}`);
    expect(connection.moveTo(to)).toBe(allowed);
    expect(connection.state).toBe(allowed ? to : from);
  });

  it('closing the socket closes the connection for good', () => {
    const connection = connectionIn('ready');
    connection.closeSocket(4000, 'bye');
    expect(connection.state).toBe('closed');
    expect(connection.moveTo('ready')).toBe(false);
  });
});
