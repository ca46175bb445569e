import type { Channel } from '../core/ports/backplane';

/**
 * Which local nodes want which channels. One shared network subscription serves them all: the first node
 * that wants a channel opens it, the last one to leave closes it.
 */
export class ChannelTable<Node> {
  private readonly nodes = new Map<Channel, Set<Node>>();

  /** True when this is the first node on the channel (the network subscription must be opened). */
  add(channel: Channel, node: Node): boolean {
    let set = this.nodes.get(channel);
    if (set === undefined) {
      set = new Set();
      this.nodes.set(channel, set);
    }
    set.add(node);
    return set.size === 1;
  }

  /** True when the node was the last one on the channel (the network subscription can be closed). */
  remove(channel: Channel, node: Node): boolean {
    const set = this.nodes.get(channel);
    if (set === undefined || !set.delete(node)) return false;
    if (set.size > 0) return false;
    this.nodes.delete(channel);
    return true;
  }

  /** A copy: a listener may unsubscribe (a connection closing) during delivery. */
  nodesOf(channel: Channel): Node[] {
    const set = this.nodes.get(channel);
    return set === undefined ? [] : [...set];
  }

  has(channel: Channel): boolean {
    return this.nodes.has(channel);
  }

  channels(): Channel[] {
    return [...this.nodes.keys()];
  }

  get size(): number {
    return this.nodes.size;
  }
}
