import type { Notifications } from "@tollgate/store";

/**
 * Rows read from the store, reused for `ttlMs` and dropped at once by a change: one made in this
 * process (`changed`) or, once connected, one another replica announced (PostgreSQL NOTIFY). A
 * replica that missed the notice reads again within `ttlMs`. A read that overlapped a change is
 * returned but not kept, since it may predate the change. Only values that exist are kept.
 *
 * Keys are strings; a key ending in `*` drops every key that starts with what comes before it
 * (`*` alone drops all).
 */
export class NoticedCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  /** changes heard of so far: a read that saw this number move is not kept */
  private changes = 0;
  private publish: ((key: string) => void) | undefined;

  constructor(private readonly opts: { ttlMs: number; maxEntries: number; channel?: string; now?: () => number }) {}

  /** Hears the changes other replicas announce on the channel, and announces this one's. */
  async connect(notifications: Notifications, onError: (e: unknown) => void): Promise<() => Promise<void>> {
    const channel = this.opts.channel;
    if (!channel) throw new Error("a cache without a channel hears no other replica");
    const stop = await notifications.subscribe(channel, (key) => this.drop(key));
    this.publish = (key) => {
      notifications.publish(channel, key).catch(onError);
    };
    return stop;
  }

  /** Something behind `key` changed here: dropped in this process and announced to the others. */
  changed(key: string): void {
    this.drop(key);
    this.publish?.(key);
  }

  /**
   * The value for `key` while it is fresh, else what `load` reads (it is given the expired value,
   * if any, to reuse what did not change).
   */
  async read(key: string, load: (expired: V | undefined) => Promise<V | undefined>): Promise<V | undefined> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const changesBefore = this.changes;
    const value = await load(hit?.value);
    if (value === undefined) {
      this.entries.delete(key);
      return undefined;
    }
    if (this.opts.ttlMs > 0 && this.changes === changesBefore) {
      if (this.entries.size >= this.opts.maxEntries) this.entries.clear();
      this.entries.set(key, { value, until: now + this.opts.ttlMs });
    }
    return value;
  }

  private drop(key: string): void {
    this.changes++;
    if (!key.endsWith("*")) {
      this.entries.delete(key);
      return;
    }
    const prefix = key.slice(0, -1);
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }
}
