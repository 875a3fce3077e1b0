import { describe, expect, test } from "vitest";
import { WatchManager } from "./watches.ts";

describe("one-shot watches", () => {
  test("a trigger fires every watcher of the path once, sorted, and forgets them", () => {
    const watches = new WatchManager();
    watches.add("/a", "s2");
    watches.add("/a", "s1");
    watches.add("/a", "s1");
    watches.add("/b", "s1");
    expect(watches.trigger("/a")).toEqual(["s1", "s2"]);
    expect(watches.trigger("/a")).toEqual([]);
    expect(watches.size).toBe(1);
  });

  test("suppressed watchers are dropped without being told", () => {
    const watches = new WatchManager();
    watches.add("/a", "s1");
    watches.add("/a", "s2");
    expect(watches.trigger("/a", new Set(["s1"]))).toEqual(["s2"]);
    expect(watches.size).toBe(0);
  });

  test("a closed connection's watches go away", () => {
    const watches = new WatchManager();
    watches.add("/a", "s1");
    watches.add("/b", "s1");
    watches.add("/b", "s2");
    expect(watches.pathsOf("s1")).toEqual(["/a", "/b"]);
    watches.removeWatcher("s1");
    expect(watches.pathsOf("s1")).toEqual([]);
    expect(watches.trigger("/b")).toEqual(["s2"]);
  });
});
