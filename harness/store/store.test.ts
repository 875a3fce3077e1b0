import { existsSync, mkdtempSync, readlinkSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { createRunDir, linkLatest, resolveRunDir, runTimestamp } from "./store.ts";

describe("store", () => {
  it("names run directories by UTC second and never reuses one", () => {
    const store = mkdtempSync(join(tmpdir(), "faultline-store-"));
    const now = new Date("2026-11-23T06:40:31.123Z");
    expect(runTimestamp(now)).toBe("20261123T064031");
    const first = createRunDir(store, "raft-register", now);
    const second = createRunDir(store, "raft-register", now);
    expect(basename(first)).toBe("20261123T064031");
    expect(basename(second)).toBe("20261123T064031-1");
    expect(existsSync(join(first, "nodes"))).toBe(true);
  });

  it("points store/latest and store/<test>/latest at the newest run, relatively", () => {
    const store = mkdtempSync(join(tmpdir(), "faultline-store-"));
    const a = createRunDir(store, "t", new Date("2026-01-01T00:00:00Z"));
    linkLatest(store, a);
    const b = createRunDir(store, "t", new Date("2026-01-01T00:00:05Z"));
    linkLatest(store, b);
    expect(readlinkSync(join(store, "latest"))).toBe("t/20260101T000005");
    expect(readlinkSync(join(store, "t", "latest"))).toBe("20260101T000005");
    expect(realpathSync(resolveRunDir(join(store, "t")))).toBe(realpathSync(b));
  });
});
