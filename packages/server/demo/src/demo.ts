// The demo chat served at `/`: a small app on the public client API, and the page the browser tests drive.
import { createClient } from '@gateway/client';
import { type Chat, openChat } from './chat';
import { element } from './dom';
import { remember, remembered } from './storage';
import { STATE_LABELS } from './words';

const ui = {
  state: element<HTMLSpanElement>('state'),
  messages: element<HTMLUListElement>('messages'),
  typing: element<HTMLDivElement>('typing'),
  presence: element<HTMLElement>('presence'),
  presenceNote: element<HTMLParagraphElement>('presence-note'),
  members: element<HTMLUListElement>('members'),
};
const joinSection = element<HTMLElement>('join');
const joinForm = element<HTMLFormElement>('join-form');
const nameInput = element<HTMLInputElement>('name');
const roomInput = element<HTMLInputElement>('room');
const errorText = element<HTMLSpanElement>('error');
const tryAgain = element<HTMLButtonElement>('try-again');
const chatSection = element<HTMLElement>('chat');
const sendForm = element<HTMLFormElement>('send-form');
const messageInput = element<HTMLInputElement>('message');
const whoami = element<HTMLSpanElement>('whoami');
const leaveButton = element<HTMLButtonElement>('leave');

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

let chat: Chat | undefined;

function slug(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return cleaned.length > 0 ? cleaned.slice(0, 48) : 'guest';
}

function showProblem(text: string, canRetry = false): void {
  errorText.textContent = text;
  tryAgain.hidden = !canRetry;
}

function join(name: string, room: string): void {
  remember({ name, room });
  const userId = slug(name);
  // Gives up after 10 failed attempts in a row (about a minute of backoff); the page then offers to try again.
  const client = createClient({
    url: wsUrl,
    userId,
    displayName: name,
    deviceType: 'web',
    reconnect: { maxAttempts: 10 },
  });
  whoami.textContent = `${name} in #${room}`;
  joinSection.hidden = true;
  chatSection.hidden = false;
  leaveButton.hidden = false;
  showProblem('');
  chat = openChat(client, { userId, name, room }, ui, { problem: showProblem, refused: (text) => leave(text) });
  messageInput.focus();
  // Exposed for poking at from the browser console.
  Object.assign(window, { gatewayClient: client });
}

/** Back to the join form; the room is forgotten so a reload does not walk straight back into it. */
function leave(why: string): void {
  chat?.close();
  chat = undefined;
  remember({ name: nameInput.value.trim() });
  for (const list of [ui.messages, ui.members]) list.replaceChildren();
  ui.typing.textContent = '';
  ui.state.dataset.state = 'idle';
  ui.state.textContent = STATE_LABELS.idle;
  whoami.textContent = '';
  chatSection.hidden = true;
  leaveButton.hidden = true;
  joinSection.hidden = false;
  showProblem(why);
}

joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  const room = roomInput.value.trim();
  if (name.length > 0 && room.length > 0) join(name, room);
});

messageInput.addEventListener('input', () => chat?.typed(messageInput.value));

sendForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const content = messageInput.value.trim();
  if (content.length === 0) return;
  messageInput.value = '';
  chat?.send(content);
});

leaveButton.addEventListener('click', () => leave(''));
tryAgain.addEventListener('click', () => chat?.reconnect());

// A reload rejoins the room the user was in.
const saved = remembered();
if (saved.name !== undefined) nameInput.value = saved.name;
if (saved.room !== undefined) roomInput.value = saved.room;
if (saved.name !== undefined && saved.room !== undefined) join(saved.name, saved.room);
