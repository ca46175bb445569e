// Small DOM helpers shared by the demo's modules.

/** The element with this id; the page is broken without it, so its absence throws. */
export function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`demo page is missing #${id}`);
  return found as T;
}

/** A new element with a class and text. */
export function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = '',
): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  made.className = className;
  made.textContent = text;
  return made;
}

/** A `<time>` for an ISO timestamp: the local time of day, the full date on hover. */
export function timeOf(iso: string): HTMLTimeElement {
  const at = new Date(iso);
  const time = make('time', 'at', at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  time.dateTime = iso;
  time.title = at.toLocaleString();
  return time;
}
