// One-shot watches (ZooKeeper's WatchManager): a watcher registers interest in a path; the first
// matching change triggers it once and removes the registration. Watches are a server's local
// state, not replicated: each server notifies the clients connected to it, in the order it
// applies transactions, which is zxid order on every server.

/** Whoever is to be notified: the server's name for a client connection (a session id, say). */
export type WatcherId = string;

export class WatchManager {
  private readonly watchersByPath = new Map<string, Set<WatcherId>>();

  add(path: string, watcher: WatcherId): void {
    let watchers = this.watchersByPath.get(path);
    if (watchers === undefined) {
      watchers = new Set();
      this.watchersByPath.set(path, watchers);
    }
    watchers.add(watcher);
  }

  /** Removes and returns the watchers of `path`, sorted (so notifications are deterministic),
   *  leaving out those in `suppress` (already told about the same event). */
  trigger(path: string, suppress?: ReadonlySet<WatcherId>): WatcherId[] {
    const watchers = this.watchersByPath.get(path);
    if (watchers === undefined) return [];
    this.watchersByPath.delete(path);
    return [...watchers].filter((watcher) => suppress === undefined || !suppress.has(watcher)).sort();
  }

  /** Drops every registration of a watcher (its connection closed). */
  removeWatcher(watcher: WatcherId): void {
    for (const [path, watchers] of this.watchersByPath) {
      watchers.delete(watcher);
      if (watchers.size === 0) this.watchersByPath.delete(path);
    }
  }

  /** Paths a watcher watches, sorted (what a client re-registers after reconnecting). */
  pathsOf(watcher: WatcherId): string[] {
    const paths: string[] = [];
    for (const [path, watchers] of this.watchersByPath) if (watchers.has(watcher)) paths.push(path);
    return paths.sort();
  }

  get size(): number {
    let count = 0;
    for (const watchers of this.watchersByPath.values()) count += watchers.size;
    return count;
  }
}
