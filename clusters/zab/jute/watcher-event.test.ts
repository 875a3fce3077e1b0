import { describe, expect, test } from "vitest";
import { JuteReader } from "./reader.ts";
import { EventType, KeeperState, readWatcherEvent, writeWatcherEvent } from "./watcher-event.ts";
import { JuteWriter } from "./writer.ts";

describe("WatcherEvent", () => {
  test("type, state, path", () => {
    const writer = new JuteWriter();
    writeWatcherEvent(writer, { type: EventType.nodeDataChanged, state: KeeperState.syncConnected, path: "/a" });
    const bytes = writer.finish();
    expect([...bytes]).toEqual([0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0x2f, 0x61]);
    expect(readWatcherEvent(new JuteReader(bytes))).toEqual({ type: 3, state: 3, path: "/a" });
  });

  test("a session event's null path reads as empty", () => {
    const bytes = new JuteWriter().int(EventType.none).int(KeeperState.expired).string(null).finish();
    expect(readWatcherEvent(new JuteReader(bytes))).toEqual({ type: -1, state: -112, path: "" });
  });
});
