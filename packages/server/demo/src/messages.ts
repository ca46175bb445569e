// The room's messages as the page shows them: delivered ones by message_id, the user's own sends as drafts.
import type { ChatMessage } from '@gateway/client';
import { make, timeOf } from './dom';

/** A send of this page's that the room has not delivered back yet; `failure` says why it did not go. */
interface Draft {
  readonly clientMsgId: string;
  readonly content: string;
  readonly senderName: string;
  failure?: string | undefined;
}

type Entry = { readonly message: ChatMessage } | { readonly draft: Draft };

export interface MessageListOptions {
  readonly list: HTMLUListElement;
  /** True for the user of this page. */
  readonly isMine: (senderId: string) => boolean;
  /** The Retry button of a failed send. */
  readonly retry: (clientMsgId: string, content: string) => void;
}

/**
 * Each message shows once: a message that comes both live and in a snapshot is the same message_id, and a
 * draft turns into the room's copy (same client_msg_id) where it stands. A snapshot (the `subscribed` reply
 * after a reset) replaces the delivered list; kept beside it are what arrived live since the connection was
 * last lost (the snapshot may have been taken before it) and the drafts still on their way.
 */
export class MessageList {
  private entries: Entry[] = [];
  private readonly arrivedSinceLoss = new Set<string>();

  constructor(private readonly options: MessageListOptions) {}

  /** The connection dropped: what arrives from now on may be missing from the next snapshot. */
  connectionLost(): void {
    this.arrivedSinceLoss.clear();
  }

  replaceWith(snapshot: readonly ChatMessage[]): void {
    const ids = new Set(snapshot.map((message) => message.message_id));
    const mine = snapshot.filter((message) => this.options.isMine(message.sender_id));
    const sent = new Set(mine.map((message) => message.client_msg_id));
    const kept = this.entries.filter((entry) =>
      'draft' in entry
        ? !sent.has(entry.draft.clientMsgId)
        : this.arrivedSinceLoss.has(entry.message.message_id) && !ids.has(entry.message.message_id),
    );
    this.entries = [...snapshot.map((message) => ({ message })), ...kept];
    this.render();
  }

  /** A message delivered live. */
  add(message: ChatMessage): void {
    this.arrivedSinceLoss.add(message.message_id);
    const at = this.entries.findIndex((entry) =>
      'draft' in entry
        ? entry.draft.clientMsgId === message.client_msg_id && this.options.isMine(message.sender_id)
        : entry.message.message_id === message.message_id,
    );
    if (at === -1) this.entries.push({ message });
    else this.entries[at] = { message };
    this.render();
  }

  update(messageId: string, change: Pick<ChatMessage, 'content' | 'edited_at'>): void {
    this.entries = this.entries.map((entry) =>
      'message' in entry && entry.message.message_id === messageId
        ? { message: { ...entry.message, ...change } }
        : entry,
    );
    this.render();
  }

  remove(messageId: string): void {
    this.entries = this.entries.filter((entry) => !('message' in entry && entry.message.message_id === messageId));
    this.render();
  }

  /** A send made now, shown at once as pending. */
  draft(clientMsgId: string, content: string, senderName: string): void {
    this.entries.push({ draft: { clientMsgId, content, senderName } });
    this.render();
  }

  /** A draft's send failed (`why`), or is being tried again (undefined). Nothing when it was delivered meanwhile. */
  setFailure(clientMsgId: string, why: string | undefined): void {
    const entry = this.entries.find((candidate) => 'draft' in candidate && candidate.draft.clientMsgId === clientMsgId);
    if (entry === undefined || !('draft' in entry)) return;
    entry.draft.failure = why;
    this.render();
  }

  private render(): void {
    const { list } = this.options;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(
      ...this.entries.map((entry) => ('draft' in entry ? this.draftItem(entry.draft) : this.item(entry.message))),
    );
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  private item(message: ChatMessage): HTMLLIElement {
    const item = this.row(message.message_id, message.sender_name ?? message.sender_id, message.sender_id);
    item.dataset.state = 'delivered';
    item.classList.toggle('system', message.kind === 'system');
    const content = message.kind === 'question' ? `❓ ${message.content}` : message.content;
    item.append(timeOf(message.created_at), make('span', 'content', content));
    if (message.edited_at !== undefined) item.append(make('span', 'status', '(edited)'));
    return item;
  }

  private draftItem(draft: Draft): HTMLLIElement {
    const item = this.row(`draft:${draft.clientMsgId}`, draft.senderName, undefined);
    const failed = draft.failure !== undefined;
    item.dataset.state = failed ? 'failed' : 'pending';
    item.classList.add(failed ? 'failed' : 'pending');
    item.append(make('span', 'status', failed ? 'not sent' : 'sending…'), make('span', 'content', draft.content));
    if (failed) {
      const retry = make('button', 'retry', 'Retry');
      retry.type = 'button';
      retry.dataset.testid = 'retry';
      retry.title = draft.failure ?? '';
      retry.addEventListener('click', () => this.options.retry(draft.clientMsgId, draft.content));
      item.append(make('span', 'why', draft.failure ?? ''), retry);
    }
    return item;
  }

  /** The start of a row: who sent it, and a "you" tag on the user's own (a draft is always theirs). */
  private row(key: string, senderName: string, senderId: string | undefined): HTMLLIElement {
    const item = document.createElement('li');
    item.dataset.key = key;
    const mine = senderId === undefined || this.options.isMine(senderId);
    item.dataset.mine = String(mine);
    item.classList.toggle('mine', mine);
    item.append(make('span', 'sender', senderName));
    if (mine) item.append(make('span', 'you', 'you'));
    return item;
  }
}
