/**
 * Resource subscriptions of every client of one server, counted: the server sees one subscribe
 * when the first client subscribes to a URI and one unsubscribe when the last one leaves.
 */
export class SubscriptionCounter {
  private readonly counts = new Map<string, number>();

  /** Count one more subscriber; true when it is the first (subscribe upstream). */
  add(uri: string): boolean {
    const count = this.counts.get(uri) ?? 0;
    this.counts.set(uri, count + 1);
    return count === 0;
  }

  /** Take back an `add` whose upstream subscribe failed (others may have joined meanwhile). */
  undo(uri: string): void {
    const now = this.counts.get(uri) ?? 1;
    if (now <= 1) this.counts.delete(uri);
    else this.counts.set(uri, now - 1);
  }

  /** Count one subscriber less; true when it was the last (unsubscribe upstream). */
  remove(uri: string): boolean {
    const count = this.counts.get(uri) ?? 0;
    if (count <= 0) return false;
    if (count > 1) {
      this.counts.set(uri, count - 1);
      return false;
    }
    this.counts.delete(uri);
    return true;
  }

  count(uri: string): number {
    return this.counts.get(uri) ?? 0;
  }

  /** URIs with at least one subscriber (what a new upstream session must be told). */
  uris(): string[] {
    return [...this.counts.keys()];
  }
}
