// Who is in the room: live while connected, greyed with a note while the page is not.
import type { PresenceEntry } from '@gateway/client';
import { make } from './dom';

export interface MemberElements {
  readonly presence: HTMLElement;
  readonly presenceNote: HTMLElement;
  readonly members: HTMLUListElement;
}

/**
 * The member list of the client's presence view. While the connection is down the view holds only what was
 * true when it dropped, so it is shown as stale until a `resumed` (nothing missed) or the room's snapshot
 * after a `ready` makes it current again.
 */
export class MemberList {
  private current = false;

  constructor(
    private readonly ui: MemberElements,
    private readonly read: () => readonly PresenceEntry[],
  ) {}

  /** True once the list is known to be current again, false when the connection is lost. */
  setCurrent(current: boolean): void {
    this.current = current;
    this.render();
  }

  render(): void {
    this.ui.presence.classList.toggle('stale', !this.current);
    this.ui.presence.dataset.stale = String(!this.current);
    this.ui.presenceNote.hidden = this.current;
    this.ui.members.replaceChildren(
      ...this.read().map((entry) => {
        const away = entry.status === 'online' ? '' : ` (${entry.status})`;
        const item = make('li', '', `${entry.display_name ?? entry.user_id}${away}`);
        item.dataset.user = entry.user_id;
        return item;
      }),
    );
  }
}
