// The demo chat served at `/`: a small app on the public client API, and the page the browser test drives.
import { createClient, type GatewayClient } from '@gateway/client';
import type { ChatMessage } from '@gateway/protocol';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`demo page is missing #${id}`);
  return found as T;
}

const stateBadge = element<HTMLSpanElement>('state');
const joinSection = element<HTMLElement>('join');
const joinForm = element<HTMLFormElement>('join-form');
const nameInput = element<HTMLInputElement>('name');
const roomInput = element<HTMLInputElement>('room');
const errorText = element<HTMLParagraphElement>('error');
const chat = element<HTMLElement>('chat');
const messageList = element<HTMLUListElement>('messages');
const typingLine = element<HTMLDivElement>('typing');
const sendForm = element<HTMLFormElement>('send-form');
const messageInput = element<HTMLInputElement>('message');
const memberList = element<HTMLUListElement>('members');
const whoami = element<HTMLSpanElement>('whoami');

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

function slug(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return cleaned.length > 0 ? cleaned.slice(0, 48) : 'guest';
}

/** Renders one message; an optimistic copy is keyed by client_msg_id and replaced when the server's copy arrives. */
function renderMessage(message: Pick<ChatMessage, 'sender_id' | 'content'> & Partial<ChatMessage>, pending: boolean) {
  const key = message.client_msg_id ?? message.message_id ?? '';
  const existing = key === '' ? null : messageList.querySelector<HTMLLIElement>(`li[data-key="${CSS.escape(key)}"]`);
  const item = existing ?? document.createElement('li');
  item.dataset.key = key;
  item.classList.toggle('pending', pending);
  item.replaceChildren();
  const sender = document.createElement('span');
  sender.className = 'sender';
  sender.textContent = message.sender_name ?? message.sender_id;
  const content = document.createElement('span');
  content.className = 'content';
  content.textContent = message.kind === 'question' ? `❓ ${message.content}` : message.content;
  item.append(sender, content);
  if (existing === null) messageList.append(item);
  messageList.scrollTop = messageList.scrollHeight;
}

function start(client: GatewayClient, room: string, userId: string) {
  const nameOf = (id: string) => client.presence.get(id)?.display_name ?? id;

  const renderMembers = () => {
    const members = client.presence.inRoom(room);
    memberList.replaceChildren(
      ...members.map((entry) => {
        const item = document.createElement('li');
        item.dataset.user = entry.user_id;
        item.textContent = `${entry.display_name ?? entry.user_id}${entry.status === 'online' ? '' : ` (${entry.status})`}`;
        return item;
      }),
    );
  };

  const renderTyping = () => {
    const typers = client.typing.inRoom(room).filter((id) => id !== userId);
    typingLine.textContent =
      typers.length === 0 ? '' : `${typers.map(nameOf).join(', ')} ${typers.length === 1 ? 'is' : 'are'} typing…`;
  };

  client.on('state', ({ to }) => {
    stateBadge.dataset.state = to;
    stateBadge.textContent = to;
  });
  client.on('chat.message', (message) => {
    if (message.room_id === room) renderMessage(message, false);
  });
  client.on('presence', renderMembers);
  client.on('typing', renderTyping);
  client.on('error', (error) => {
    errorText.textContent = error.message;
  });

  let lastTypingAt = 0;
  messageInput.addEventListener('input', () => {
    if (messageInput.value.length === 0) {
      client.stopTyping(room);
      return;
    }
    // The client throttles too; this just avoids calling it on every keystroke.
    if (Date.now() - lastTypingAt > 1000) {
      lastTypingAt = Date.now();
      client.startTyping(room);
    }
  });

  sendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const content = messageInput.value.trim();
    if (content.length === 0) return;
    messageInput.value = '';
    const clientMsgId = crypto.randomUUID();
    renderMessage({ client_msg_id: clientMsgId, sender_id: userId, sender_name: nameInput.value, content }, true);
    client.stopTyping(room);
    client.sendMessage(room, content, { clientMsgId }).catch((error: unknown) => {
      errorText.textContent = `Not sent: ${error instanceof Error ? error.message : String(error)}`;
    });
  });

  client
    .ready()
    .then(() => client.subscribe(room))
    .then((reply) => {
      for (const snapshot of reply.rooms) {
        for (const message of snapshot.recent_messages) renderMessage(message, false);
      }
      renderMembers();
      messageInput.focus();
    })
    .catch((error: unknown) => {
      errorText.textContent = error instanceof Error ? error.message : String(error);
    });
}

joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const displayName = nameInput.value.trim();
  const room = roomInput.value.trim();
  if (displayName.length === 0 || room.length === 0) return;
  const userId = slug(displayName);
  const client = createClient({ url: wsUrl, userId, displayName, deviceType: 'web' });
  whoami.textContent = `${displayName} in #${room}`;
  joinSection.hidden = true;
  chat.hidden = false;
  start(client, room, userId);
  // Exposed for poking at from the browser console.
  Object.assign(window, { gatewayClient: client });
});
