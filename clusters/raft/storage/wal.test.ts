import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeRecord, type WalEntry } from "./record.ts";
import { replay, ReplayError } from "./replay.ts";
import { readSnapshotFile, writeSnapshotFile } from "./snapshot-file.ts";
import { segmentFileName, Wal, WalDamageError, type WalOptions } from "./wal.ts";
import { decodeWatermark, encodeWatermark, WATERMARK_FILE } from "../../node-faults/synced-watermark.ts";

let directory: string;
let logLines: string[];

beforeEach(async () => {
  directory = await fs.mkdtemp(join(tmpdir(), "faultline-wal-"));
  logLines = [];
});
afterEach(async () => {
  await fs.rm(directory, { recursive: true, force: true });
});

function options(overrides: Partial<WalOptions> = {}): WalOptions {
  return { directory, storage: "fsync", log: (line) => logLines.push(line), ...overrides };
}

function entry(index: number, term: number, text = `value-${index}-${term}`): WalEntry {
  return { index, term, data: Buffer.from(text) };
}

function entryRange(from: number, to: number, term: number): WalEntry[] {
  const out: WalEntry[] = [];
  for (let index = from; index <= to; index++) out.push(entry(index, term));
  return out;
}

const summary = (entries: WalEntry[]) => entries.map((e) => `${e.index}@${e.term}:${e.data.toString()}`);

describe("Wal", () => {
  it("recovers the hard state and entries it made durable", async () => {
    const { wal, recovered: empty } = await Wal.open(options());
    expect(empty).toEqual({ hardState: undefined, snapshot: undefined, entries: [] });
    await wal.append({ hardState: { term: 1, vote: "n1", commit: 0 }, entries: entryRange(1, 3, 1) });
    await wal.append({ hardState: { term: 2, vote: "", commit: 3 } });
    await wal.close();

    const { wal: reopened, recovered } = await Wal.open(options());
    expect(recovered.hardState).toEqual({ term: 2, vote: "", commit: 3 });
    expect(summary(recovered.entries)).toEqual(summary(entryRange(1, 3, 1)));
    await reopened.close();
  });

  it("replays a conflicting append at a lower index as a truncation of the log", async () => {
    const { wal } = await Wal.open(options());
    await wal.append({ entries: entryRange(1, 5, 1) });
    await wal.append({ entries: [entry(3, 2), entry(4, 2)] });
    await wal.close();
    const { wal: reopened, recovered } = await Wal.open(options());
    expect(summary(recovered.entries)).toEqual(summary([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)]));
    await reopened.close();
  });

  it("group-commits appends issued together into fewer fsyncs, resolving each only once durable", async () => {
    const { wal } = await Wal.open(options());
    const appends = [];
    for (let index = 1; index <= 100; index++) appends.push(wal.append({ entries: [entry(index, 1)] }));
    await Promise.all(appends);
    const stats = wal.stats();
    expect(stats.appends).toBe(100);
    expect(stats.syncs).toBeLessThan(100);
    expect(stats.syncs).toBeGreaterThanOrEqual(1);
    await wal.close();
    const { wal: reopened, recovered } = await Wal.open(options());
    expect(recovered.entries.map((e) => e.index)).toEqual(entryRange(1, 100, 1).map((e) => e.index));
    await reopened.close();
  });

  it("syncing on the event loop, appends of one turn share one fsync that starts in a later turn", async () => {
    for (const storage of ["fsync", "power-loss"] as const) {
      const { wal } = await Wal.open(options({ storage, syncOnEventLoop: true }));
      const appends = [wal.append({ entries: [entry(1, 1)] })];
      // Still this turn: appended before the writer's turn comes, so the same fsync covers it.
      await Promise.resolve();
      appends.push(wal.append({ entries: [entry(2, 1)] }));
      let resolved = false;
      void Promise.all(appends).then(() => (resolved = true));
      await Promise.resolve();
      expect(resolved).toBe(false);
      await Promise.all(appends);
      expect(wal.stats()).toMatchObject({ appends: 2, syncs: 1 });
      await wal.close();
      const { wal: reopened, recovered } = await Wal.open(options({ storage }));
      expect(recovered.entries.map((e) => e.index)).toEqual([1, 2]);
      await reopened.close();
      await fs.rm(directory, { recursive: true, force: true });
    }
  });

  it("records a batch without an fsync of its own; the next durable append syncs it too", async () => {
    const { wal } = await Wal.open(options({ storage: "power-loss" }));
    await wal.append({ hardState: { term: 1, vote: "n1", commit: 0 }, entries: entryRange(1, 2, 1) });
    const syncsBefore = wal.stats().syncs;
    wal.appendWithoutSync({ hardState: { term: 1, vote: "n1", commit: 2 } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(wal.stats().syncs).toBe(syncsBefore);
    const size = (await fs.stat(join(directory, segmentFileName(1)))).size;
    await wal.append({ entries: [entry(3, 1)] });
    expect((await fs.stat(join(directory, segmentFileName(1)))).size).toBeGreaterThan(size);
    await wal.close();
    const { wal: reopened, recovered } = await Wal.open(options());
    expect(recovered.hardState).toEqual({ term: 1, vote: "n1", commit: 2 });
    expect(recovered.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    await reopened.close();
  });

  it("encodes indexes and terms up to 2^53 - 1 as big-endian u64, and rejects what does not fit", async () => {
    const max = Number.MAX_SAFE_INTEGER;
    const record = encodeRecord({ type: "entry", entry: { index: max, term: 2 ** 32 + 5, data: Buffer.from("x") } });
    expect(record.readBigUInt64BE(9)).toBe(BigInt(max));
    expect(record.readBigUInt64BE(17)).toBe(BigInt(2 ** 32 + 5));
    expect(() => encodeRecord({ type: "entry", entry: { index: max + 1, term: 1, data: Buffer.alloc(0) } })).toThrow(/non-negative safe integer/);
    expect(() => encodeRecord({ type: "entry", entry: { index: -1, term: 1, data: Buffer.alloc(0) } })).toThrow(/non-negative safe integer/);
    const { wal } = await Wal.open(options());
    await wal.append({ hardState: { term: max, vote: "", commit: max - 1 } });
    await wal.close();
    const { wal: reopened, recovered } = await Wal.open(options());
    expect(recovered.hardState).toEqual({ term: max, vote: "", commit: max - 1 });
    await reopened.close();
  });

  it("truncates a garbage tail with a log line naming the file, offset and bytes cut", async () => {
    const { wal } = await Wal.open(options());
    await wal.append({ entries: entryRange(1, 4, 1) });
    await wal.close();
    const segment = join(directory, segmentFileName(1));
    const validLength = (await fs.stat(segment)).size;
    await fs.appendFile(segment, Buffer.from("\x00\x00\x00\x10garbage that is not a record"));

    const { wal: reopened, recovered } = await Wal.open(options());
    expect(recovered.entries.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    const truncation = logLines.find((line) => line.includes("truncating"));
    expect(truncation).toContain(segment);
    expect(truncation).toContain(`offset ${validLength}`);
    expect(truncation).toContain("cutting 32 bytes");
    expect((await fs.stat(segment)).size).toBe(validLength);
    // The truncated WAL keeps working: new appends follow the kept records.
    await reopened.append({ entries: [entry(5, 1)] });
    await reopened.close();
    const { wal: again, recovered: after } = await Wal.open(options());
    expect(after.entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
    await again.close();
  });

  /** Says the node had synced segment 1 only up to `offset`: what follows was written, not synced. */
  const syncedUpTo = (offset: number) => fs.writeFile(join(directory, WATERMARK_FILE), encodeWatermark({ sequence: 1, offset }));

  it("truncates a record cut short after the synced watermark, never applying its partial body", async () => {
    const { wal } = await Wal.open(options());
    await wal.append({ entries: entryRange(1, 3, 1) });
    await wal.close();
    const segment = join(directory, segmentFileName(1));
    const size = (await fs.stat(segment)).size;
    const lastRecordLength = encodeRecord({ type: "entry", entry: entry(3, 1) }).length;
    await syncedUpTo(size - lastRecordLength);
    await fs.truncate(segment, size - 5);

    const { wal: reopened, recovered } = await Wal.open(options());
    expect(recovered.entries.map((e) => e.index)).toEqual([1, 2]);
    expect(reopened.recovery.outcome).toBe("truncated");
    expect(logLines.some((line) => line.includes(`offset ${size - lastRecordLength}`) && line.includes("torn record") && line.includes("never acknowledged"))).toBe(true);
    await reopened.close();
  });

  it("detects a flipped bit after the watermark by checksum and cuts from that record on", async () => {
    const { wal } = await Wal.open(options());
    await wal.append({ entries: entryRange(1, 3, 1) });
    await wal.close();
    const segment = join(directory, segmentFileName(1));
    const bytes = await fs.readFile(segment);
    const secondRecordStart = encodeRecord({ type: "entry", entry: entry(1, 1) }).length;
    await syncedUpTo(secondRecordStart);
    bytes[secondRecordStart + 12] ^= 0x01;
    await fs.writeFile(segment, bytes);

    const { wal: reopened, recovered } = await Wal.open(options());
    expect(recovered.entries.map((e) => e.index)).toEqual([1]);
    expect(logLines.some((line) => line.includes("checksum mismatch") && line.includes(`offset ${secondRecordStart}`))).toBe(true);
    await reopened.close();
  });

  it("refuses to start when records it had fsynced are cut, flipped or gone, saying where and what to do", async () => {
    const { wal } = await Wal.open(options());
    await wal.append({ hardState: { term: 1, vote: "n1", commit: 0 }, entries: entryRange(1, 3, 1) });
    await wal.close();
    const segment = join(directory, segmentFileName(1));
    const pristine = await fs.readFile(segment);
    expect(decodeWatermark(await fs.readFile(join(directory, WATERMARK_FILE)))).toEqual({ sequence: 1, offset: pristine.length });

    const flipped = Buffer.from(pristine);
    flipped[pristine.length - 3] ^= 0x40;
    await fs.writeFile(segment, flipped);
    const refusal = Wal.open(options());
    await expect(refusal).rejects.toThrow(WalDamageError);
    await expect(refusal).rejects.toThrow(/checksum mismatch[^)]*\)\), inside what this node had fsynced \(through offset \d+ of wal-0+1\.wal\).*Refusing to start.*remove/);
    // Nothing was cut: restoring the bytes is enough.
    expect((await fs.stat(segment)).size).toBe(pristine.length);

    await fs.writeFile(segment, pristine.subarray(0, pristine.length - 7));
    await expect(Wal.open(options())).rejects.toThrow(/torn record.*inside what this node had fsynced/);
    const firstRecord = encodeRecord({ type: "entry", entry: entry(1, 1) }).length;
    await fs.writeFile(segment, pristine.subarray(0, firstRecord));
    await expect(Wal.open(options())).rejects.toThrow(new RegExp(`holds ${firstRecord} bytes of records, fewer than the ${pristine.length} it had fsynced`));
    await fs.unlink(segment);
    await expect(Wal.open(options())).rejects.toThrow(/segment wal-0+1\.wal is missing/);

    await fs.writeFile(segment, pristine);
    const { wal: restored, recovered } = await Wal.open(options());
    expect(recovered.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(restored.recovery.outcome).toBe("clean");
    await restored.close();
  });

  describe("with preallocated segments", () => {
    const CHUNK = 4096;
    const preallocated = () => options({ preallocateBytes: CHUNK });

    it("keeps zeros ahead of the records, reads them as the end, and appends over them, across reopens and rotations", async () => {
      const { wal } = await Wal.open(preallocated());
      await wal.append({ hardState: { term: 1, vote: "n1", commit: 0 }, entries: entryRange(1, 3, 1) });
      await wal.close();
      const segment = join(directory, segmentFileName(1));
      const bytes = await fs.readFile(segment);
      const records = decodeWatermark(await fs.readFile(join(directory, WATERMARK_FILE)))?.offset ?? 0;
      expect(bytes.length).toBe(CHUNK);
      expect(records).toBeGreaterThan(0);
      expect(bytes.subarray(records).every((byte) => byte === 0)).toBe(true);

      const { wal: reopened, recovered } = await Wal.open(preallocated());
      expect(reopened.recovery.outcome).toBe("clean");
      expect(recovered.entries.map((e) => e.index)).toEqual([1, 2, 3]);
      // Past one chunk: the file grows by whole chunks and the records stay contiguous.
      const big = Array.from({ length: 40 }, (_, i) => entry(4 + i, 1, "x".repeat(150)));
      await reopened.append({ entries: big });
      expect((await fs.stat(segment)).size % CHUNK).toBe(0);
      expect((await fs.stat(segment)).size).toBeGreaterThan(CHUNK);
      const name = await writeSnapshotFile(directory, { index: 43, term: 1, data: Buffer.from("state") });
      await reopened.saveSnapshot({ index: 43, term: 1, path: name });
      await reopened.append({ entries: [entry(44, 2)] });
      await reopened.close();
      expect((await fs.stat(join(directory, segmentFileName(2)))).size).toBe(CHUNK);

      const { wal: third, recovered: after } = await Wal.open(preallocated());
      expect(third.recovery.outcome).toBe("clean");
      expect(after.snapshot?.index).toBe(43);
      expect(after.entries.map((e) => e.index)).toEqual([44]);
      await third.close();
      // A WAL written with preallocation opens without it, and the other way round.
      const { wal: plain, recovered: same } = await Wal.open(options());
      expect(same.entries.map((e) => e.index)).toEqual([44]);
      await plain.append({ entries: [entry(45, 2)] });
      await plain.close();
      const { wal: last, recovered: withNew } = await Wal.open(preallocated());
      expect(withNew.entries.map((e) => e.index)).toEqual([44, 45]);
      await last.close();
    });

    it("a record zeroed where it was fsynced is refused; zeros past the watermark are a torn tail, cut", async () => {
      const { wal } = await Wal.open(preallocated());
      await wal.append({ entries: entryRange(1, 3, 1) });
      await wal.close();
      const segment = join(directory, segmentFileName(1));
      const pristine = await fs.readFile(segment);
      const synced = decodeWatermark(await fs.readFile(join(directory, WATERMARK_FILE)))?.offset ?? 0;
      const lastRecord = encodeRecord({ type: "entry", entry: entry(3, 1) }).length;

      // The last synced record's tail reads as zeros (the write never reached the disk): refused.
      const zeroed = Buffer.from(pristine);
      zeroed.fill(0, synced - 5, synced);
      await fs.writeFile(segment, zeroed);
      await expect(Wal.open(preallocated())).rejects.toThrow(/inside what this node had fsynced/);
      // The whole last record zeroed, the file still its full size: refused too (records missing).
      zeroed.fill(0, synced - lastRecord, synced);
      await fs.writeFile(segment, zeroed);
      await expect(Wal.open(preallocated())).rejects.toThrow(/holds \d+ bytes of records, fewer than the \d+ it had fsynced/);

      // The same damage past the watermark (a write that was never synced): cut off, clean start.
      await fs.writeFile(segment, pristine);
      await fs.writeFile(join(directory, WATERMARK_FILE), encodeWatermark({ sequence: 1, offset: synced - lastRecord }));
      const torn = Buffer.from(pristine);
      torn.fill(0, synced - 5, synced);
      await fs.writeFile(segment, torn);
      const { wal: recovered, recovered: state } = await Wal.open(preallocated());
      expect(recovered.recovery.outcome).toBe("truncated");
      expect(state.entries.map((e) => e.index)).toEqual([1, 2]);
      await recovered.append({ entries: [entry(3, 2)] });
      await recovered.close();
      const { wal: again, recovered: next } = await Wal.open(preallocated());
      expect(next.entries.map((e) => `${e.index}@${e.term}`)).toEqual(["1@1", "2@1", "3@2"]);
      await again.close();
    });
  });

  it("refuses to start when a segment that is not the last is corrupt", async () => {
    const { wal } = await Wal.open(options());
    await wal.append({ entries: entryRange(1, 3, 1) });
    const name = await writeSnapshotFile(directory, { index: 2, term: 1, data: Buffer.from("state") });
    await wal.saveSnapshot({ index: 2, term: 1, path: name });
    await wal.append({ entries: [entry(4, 1)] });
    await wal.close();
    await fs.appendFile(join(directory, segmentFileName(1)), Buffer.from("garbage"));
    await expect(Wal.open(options())).rejects.toThrow(/wal-0+1\.wal is damaged at offset \d+.*Refusing to start/);
    // Without a watermark (a WAL from before it existed) the old rule still refuses.
    await fs.unlink(join(directory, WATERMARK_FILE));
    await expect(Wal.open(options())).rejects.toThrow(/not a torn tail/);
  });

  it("starts a new segment at a snapshot and deletes the segments the snapshot covers", async () => {
    const { wal } = await Wal.open(options());
    await wal.append({ hardState: { term: 1, vote: "n2", commit: 10 }, entries: entryRange(1, 10, 1) });
    const firstSnapshot = await writeSnapshotFile(directory, { index: 8, term: 1, data: Buffer.from("up to 8") });
    await wal.saveSnapshot({ index: 8, term: 1, path: firstSnapshot });
    // Segment 1 still holds entries 9 and 10, which the snapshot does not cover: it stays.
    expect(wal.stats().segments).toBe(2);
    await wal.append({ entries: entryRange(11, 12, 1) });
    const secondSnapshot = await writeSnapshotFile(directory, { index: 11, term: 1, data: Buffer.from("up to 11") });
    await wal.saveSnapshot({ index: 11, term: 1, path: secondSnapshot });
    // Segment 2 holds entry 12: it stays; segment 1 is wholly covered and goes.
    expect(wal.stats().segments).toBe(2);
    await expect(fs.access(join(directory, segmentFileName(1)))).rejects.toThrow();
    await wal.close();

    const { wal: reopened, recovered } = await Wal.open(options());
    expect(recovered.snapshot).toEqual({ index: 11, term: 1, path: secondSnapshot });
    expect(recovered.hardState).toEqual({ term: 1, vote: "n2", commit: 10 });
    expect(recovered.entries.map((e) => e.index)).toEqual([12]);
    expect((await readSnapshotFile(directory, secondSnapshot)).data.toString()).toBe("up to 11");
    await reopened.close();
  });

  it("keeps no entries when a snapshot covers the whole log", async () => {
    const { wal } = await Wal.open(options());
    await wal.append({ entries: entryRange(1, 5, 1) });
    const name = await writeSnapshotFile(directory, { index: 5, term: 1, data: Buffer.from("all") });
    await wal.saveSnapshot({ index: 5, term: 1, path: name });
    expect(wal.stats().segments).toBe(1);
    await wal.append({ entries: [entry(6, 2)] });
    await wal.close();
    const { wal: reopened, recovered } = await Wal.open(options());
    expect(recovered.snapshot?.index).toBe(5);
    expect(recovered.entries.map((e) => `${e.index}@${e.term}`)).toEqual(["6@2"]);
    await reopened.close();
  });

  for (const storage of ["fsync", "power-loss"] as const) {
    it(`${storage}: orders appends issued right after a snapshot behind its marker (follower installing a snapshot)`, async () => {
      const { wal } = await Wal.open(options({ storage }));
      await wal.append({ entries: entryRange(1, 5, 1) });
      const name = await writeSnapshotFile(directory, { index: 1000, term: 3, data: Buffer.from("leader's state") });
      const marked = wal.saveSnapshot({ index: 1000, term: 3, path: name });
      const appended = wal.append({ hardState: { term: 3, vote: "", commit: 1001 }, entries: [entry(1001, 3)] });
      await Promise.all([marked, appended]);
      await wal.close();
      const { wal: reopened, recovered } = await Wal.open(options());
      expect(recovered.snapshot?.index).toBe(1000);
      expect(recovered.entries.map((e) => e.index)).toEqual([1001]);
      expect(recovered.hardState?.commit).toBe(1001);
      await reopened.close();
    });
  }

  it("in power-loss mode writes nothing to the file before the sync that makes it durable", async () => {
    const { wal } = await Wal.open(options({ storage: "power-loss", acknowledgeBeforeSync: true, lazySyncIntervalMs: 60_000 }));
    await wal.append({ entries: entryRange(1, 3, 1) }); // acknowledged by the bug, not yet written
    expect((await fs.stat(join(directory, segmentFileName(1)))).size).toBe(0);
    await wal.sync();
    expect((await fs.stat(join(directory, segmentFileName(1)))).size).toBeGreaterThan(0);
    await wal.close();
  });
});

describe("snapshot files", () => {
  it("round-trips and rejects a corrupted file with an actionable message", async () => {
    const name = await writeSnapshotFile(directory, { index: 42, term: 7, data: Buffer.from("snapshot body") });
    const read = await readSnapshotFile(directory, name);
    expect({ index: read.index, term: read.term, data: read.data.toString() }).toEqual({ index: 42, term: 7, data: "snapshot body" });
    const bytes = await fs.readFile(join(directory, name));
    bytes[bytes.length - 1] ^= 0xff;
    await fs.writeFile(join(directory, name), bytes);
    await expect(readSnapshotFile(directory, name)).rejects.toThrow(/corrupt.*remove the node's data directory/);
  });
});

describe("replay", () => {
  const e = (index: number, term: number) => ({ type: "entry" as const, entry: entry(index, term) });
  const marker = (index: number, term: number) => ({ type: "snapshot" as const, snapshot: { index, term, path: "s" } });

  it("keeps entries after a snapshot the log continues", () => {
    const state = replay([e(1, 1), e(2, 1), e(3, 1), marker(2, 1)]);
    expect(state.entries.map((x) => x.index)).toEqual([3]);
  });

  it("drops the whole log when an installed snapshot disagrees with it or is ahead of it", () => {
    expect(replay([e(1, 1), e(2, 1), e(3, 1), marker(2, 5)]).entries).toEqual([]);
    expect(replay([e(1, 1), e(2, 1), marker(9, 3), e(10, 3)]).entries.map((x) => x.index)).toEqual([10]);
  });

  it("accepts a log whose older segments were compacted away before the marker", () => {
    expect(replay([e(11, 1), e(12, 1), marker(10, 1)]).entries.map((x) => x.index)).toEqual([11, 12]);
    // A kept segment opened by an older marker whose following entries lived in a deleted segment.
    expect(replay([marker(8, 1), e(11, 1), e(12, 1), marker(11, 1)]).entries.map((x) => x.index)).toEqual([12]);
  });

  it("rejects gaps and overwrites of snapshotted entries", () => {
    expect(() => replay([e(1, 1), e(3, 1)])).toThrow(ReplayError);
    expect(() => replay([marker(5, 1), e(5, 2)])).toThrow(/overwritten/);
    expect(() => replay([e(2, 1)])).toThrow(/segment is missing/);
    expect(() => replay([marker(5, 1), e(8, 1)])).toThrow(/segment is missing/);
  });
});
