// @vitest-environment happy-dom
// The README's example as it is written there, but with createElement for JSX (this project compiles no JSX): a
// component on @gateway/react, tested with Testing Library against the kit's gateway.
import { GatewayProvider, useConnection, useMessages } from '@gateway/react';
import { act, cleanup, render, screen } from '@testing-library/react';
import { createElement as h } from 'react';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../src/index';

function Inbox({ roomId }: { roomId: string }) {
  const { state } = useConnection();
  const { messages } = useMessages(roomId); // subscribes to the room while mounted
  return h(
    'div',
    null,
    h('p', { role: 'status' }, state),
    h(
      'ul',
      null,
      messages.map((message) => h('li', { key: message.key }, `${message.sender_id}: ${message.content}`)),
    ),
  );
}

// As under Jest, or Vitest with `globals: true`, where Testing Library declares an act() environment itself and
// React warns of updates outside act() (a warning fails the test here).
const actEnvironment = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
beforeAll(() => {
  actEnvironment.IS_REACT_ACT_ENVIRONMENT = true;
});
afterAll(() => {
  delete actEnvironment.IS_REACT_ACT_ENVIRONMENT;
});

let gateway: TestGateway;
afterEach(async () => {
  cleanup();
  await gateway.close();
});

it('shows new messages, and those sent while the network was down once it is back', async () => {
  gateway = await startTestGateway();
  const alice = await gateway.client({ userId: 'alice' });
  const bob = await gateway.client({ userId: 'bob', rooms: ['general'] });
  await Promise.all([alice.ready(), bob.ready()]);
  render(h(GatewayProvider, { client: alice }, h(Inbox, { roomId: 'general' })));

  const hello = bob.sendMessage('general', 'hello');
  await screen.findByText('bob: hello');
  await hello;

  gateway.network(alice).cut();
  await screen.findByText('reconnecting');
  await bob.sendMessage('general', 'are you there?');

  gateway.network(alice).restore();
  act(() => alice.connect()); // reconnect now instead of after the backoff on the manual clock
  await screen.findByText('ready');
  expect(screen.getAllByRole('listitem').map((item) => item.textContent)).toEqual([
    'bob: hello',
    'bob: are you there?',
  ]);
});
