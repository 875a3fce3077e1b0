// The write-ahead log: Raft's hard state, entries and snapshot markers in append-only segment
// files, with group commit. One writer loop owns every fsync: records appended while an fsync runs
// are synced together by the next one, and each caller's promise resolves only once an fsync that
// started after its records were written has finished.
//
// Storage modes (chosen by the harness, DESIGN §8):
//   fsync       records are written to the file at once (the OS keeps them across a process kill)
//               and made durable by the writer loop's fsync.
//   power-loss  records stay in memory until the writer loop writes and fsyncs them together, so a
//               SIGKILL loses exactly the unsynced tail — what a power cut would lose.
// Bug switch `acknowledgeBeforeSync` (--bug no-fsync) resolves appends at once and syncs only on a
// lazy timer; with power-loss mode a kill then loses writes the node already acknowledged.

import { closeSync, fdatasync, openSync, promises as fs, writeSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { fsyncDirectory } from "./durable-files.ts";
import { decodeRecords, encodeRecord, type HardState, type SnapshotMarker, type WalEntry, type WalRecord } from "./record.ts";
import { replay, type RecoveredState } from "./replay.ts";

export type StorageMode = "fsync" | "power-loss";

export interface WalOptions {
  directory: string;
  storage: StorageMode;
  /** Bug no-fsync: resolve appends before their records are durable. */
  acknowledgeBeforeSync?: boolean;
  /** With acknowledgeBeforeSync: how long appended records may wait for the background sync. */
  lazySyncIntervalMs?: number;
  log(line: string): void;
}

/** What one append makes durable together. */
export interface WalBatch {
  hardState?: HardState;
  entries?: readonly WalEntry[];
}

export interface WalStats {
  /** fsyncs of segment files by the writer loop (group commit makes this ≤ the number of appends). */
  syncs: number;
  appends: number;
  segments: number;
}

interface Segment {
  sequence: number;
  path: string;
  /** Highest entry index ever written to the segment (0 if none): compaction may delete the
   *  segment once a snapshot covers this index. */
  lastEntryIndex: number;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

const SEGMENT_PATTERN = /^wal-(\d{16})\.wal$/;
const DEFAULT_LAZY_SYNC_INTERVAL_MS = 1000;
const fdatasyncAsync = promisify(fdatasync);

export function segmentFileName(sequence: number): string {
  return `wal-${String(sequence).padStart(16, "0")}.wal`;
}

export class Wal {
  private readonly options: WalOptions;
  /** Oldest first; the last one is the segment being appended to. */
  private readonly segments: Segment[];
  private fd: number;
  /** Encoded records not yet handed to the file (power-loss mode keeps them here until a sync). */
  private unwritten: Buffer[] = [];
  /** Appends whose records are written or queued but not yet known durable. */
  private waiting: Waiter[] = [];
  private rotations: { marker: SnapshotMarker; waiter: Waiter }[] = [];
  private writerRunning = false;
  private lazySyncTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private closed = false;
  private lastHardState: HardState | undefined;
  private readonly counters = { syncs: 0, appends: 0 };

  private constructor(options: WalOptions, segments: Segment[], fd: number, lastHardState: HardState | undefined) {
    this.options = options;
    this.segments = segments;
    this.fd = fd;
    this.lastHardState = lastHardState;
  }

  /** Opens the WAL in `directory` (creating it if needed), truncating a torn or corrupt tail with a
   *  log line, and returns the state its records describe. */
  static async open(options: WalOptions): Promise<{ wal: Wal; recovered: RecoveredState }> {
    const { directory, log } = options;
    await fs.mkdir(directory, { recursive: true });
    const segments = await listSegments(directory);
    const records: WalRecord[] = [];

    for (let position = 0; position < segments.length; position++) {
      const segment = segments[position];
      const bytes = await fs.readFile(segment.path);
      const decoded = decodeRecords(bytes);
      for (const record of decoded.records) {
        if (record.type === "entry") segment.lastEntryIndex = Math.max(segment.lastEntryIndex, record.entry.index);
      }
      records.push(...decoded.records);
      if (!decoded.problem) continue;

      const later = segments.slice(position + 1);
      for (const next of later) {
        const laterDecoded = decodeRecords(await fs.readFile(next.path));
        if (laterDecoded.records.length > 0) {
          throw new Error(
            `WAL segment ${segment.path} is corrupt at offset ${decoded.problem.offset} (${decoded.problem.reason}) ` +
              `but later segment ${next.path} holds records, so this is not a torn tail; ` +
              `refusing to start — remove ${directory} to resync the node from its peers`,
          );
        }
      }
      log(
        `WAL recovery: truncating ${segment.path} at offset ${decoded.problem.offset}, cutting ${bytes.length - decoded.validLength} bytes ` +
          `(${decoded.problem.reason}); ${decoded.records.length} records before it are kept`,
      );
      await fs.truncate(segment.path, decoded.validLength);
      const handle = await fs.open(segment.path, "r+");
      await handle.sync();
      await handle.close();
      for (const next of later) {
        log(`WAL recovery: removing empty segment ${next.path} that followed the torn tail`);
        await fs.unlink(next.path);
      }
      segments.length = position + 1;
      await fsyncDirectory(directory);
      break;
    }

    const recovered = replay(records);
    if (segments.length === 0) {
      const sequence = 1;
      segments.push({ sequence, path: join(directory, segmentFileName(sequence)), lastEntryIndex: 0 });
      closeSync(openSync(segments[0].path, "ax"));
      await fsyncDirectory(directory);
    }
    const fd = openSync(segments[segments.length - 1].path, "a");
    log(
      `WAL opened in ${directory} (${options.storage}${options.acknowledgeBeforeSync ? ", acknowledging before sync" : ""}): ` +
        `${segments.length} segments, ${recovered.entries.length} entries` +
        (recovered.snapshot ? ` after snapshot ${recovered.snapshot.index}` : "") +
        (recovered.hardState ? `, term ${recovered.hardState.term}, commit ${recovered.hardState.commit}` : ""),
    );
    return { wal: new Wal(options, segments, fd, recovered.hardState), recovered };
  }

  /** Appends the batch; resolves once it is durable (or at once under the no-fsync bug). */
  append(batch: WalBatch): Promise<void> {
    const refusal = this.refusal();
    if (refusal) return Promise.reject(refusal);
    if (!this.enqueue(batch)) return Promise.resolve();

    if (this.options.acknowledgeBeforeSync) {
      this.lazySyncTimer ??= setTimeout(() => {
        this.lazySyncTimer = undefined;
        this.sync().catch(() => undefined); // a failure is recorded in this.failure and logged
      }, this.options.lazySyncIntervalMs ?? DEFAULT_LAZY_SYNC_INTERVAL_MS);
      return Promise.resolve();
    }
    return this.waitForSync();
  }

  /** Appends the batch in order with everything else, but neither waits for nor asks for an fsync:
   *  the next sync makes it durable together with what was appended before it, and a crash before
   *  then loses it along with the rest of the unsynced tail. Only for state a node may lose (a
   *  commit index, which Raft relearns from the leader); throws if the WAL has failed. */
  appendWithoutSync(batch: WalBatch): void {
    const refusal = this.refusal();
    if (refusal) throw refusal;
    this.enqueue(batch);
  }

  /** Encodes the batch into the record stream (and the file, in fsync mode); false if it is empty. */
  private enqueue(batch: WalBatch): boolean {
    const entries = batch.entries ?? [];
    if (!batch.hardState && entries.length === 0) return false;
    const buffers: Buffer[] = entries.map((entry) => encodeRecord({ type: "entry", entry }));
    if (batch.hardState) {
      buffers.push(encodeRecord({ type: "hard-state", hardState: batch.hardState }));
      this.lastHardState = batch.hardState;
    }
    const current = this.segments[this.segments.length - 1];
    for (const entry of entries) current.lastEntryIndex = Math.max(current.lastEntryIndex, entry.index);
    this.unwritten.push(...buffers);
    this.counters.appends++;
    if (this.options.storage === "fsync") this.writeUnwritten();
    return true;
  }

  /** Resolves once everything appended so far is durable, whatever the bug switches say. */
  sync(): Promise<void> {
    const refusal = this.refusal();
    if (refusal) return Promise.reject(refusal);
    return this.waitForSync();
  }

  /** Records that a snapshot covering the log up to `marker.index` is stored durably in
   *  `marker.path`, starts a new segment that begins with it, and deletes the oldest segments whose
   *  entries the snapshot covers. Write the snapshot file before calling this. Appends made after
   *  this call are ordered after the marker; the promise resolves once the marker is durable and
   *  compaction has run. */
  saveSnapshot(marker: SnapshotMarker): Promise<void> {
    const refusal = this.refusal();
    if (refusal) return Promise.reject(refusal);
    // The marker enters the record stream now, in call order; the rotation that follows repeats it
    // at the head of the new segment so that older segments can go.
    this.unwritten.push(encodeRecord({ type: "snapshot", snapshot: marker }));
    if (this.options.storage === "fsync") this.writeUnwritten();
    return new Promise((resolve, reject) => {
      this.rotations.push({ marker, waiter: { resolve, reject } });
      this.startWriter();
    });
  }

  stats(): WalStats {
    return { ...this.counters, segments: this.segments.length };
  }

  /** Syncs everything appended and closes the segment file. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.failure) await this.sync();
    this.closed = true;
    if (this.lazySyncTimer) clearTimeout(this.lazySyncTimer);
    closeSync(this.fd);
  }

  private refusal(): Error | undefined {
    if (this.failure) return new Error(`WAL in ${this.options.directory} failed earlier and accepts no more writes: ${this.failure.message}`);
    if (this.closed) return new Error(`WAL in ${this.options.directory} is closed`);
    return undefined;
  }

  private waitForSync(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.startWriter();
    });
  }

  private startWriter(): void {
    if (this.writerRunning || this.failure) return;
    this.writerRunning = true;
    this.runWriter()
      .catch((error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        this.writerRunning = false;
        // Work queued between the loop's last check and this callback would otherwise be stranded.
        if (this.waiting.length > 0 || this.rotations.length > 0) this.startWriter();
      });
  }

  private async runWriter(): Promise<void> {
    while (this.waiting.length > 0 || this.rotations.length > 0) {
      // Every waiter taken here had its records queued before the write below, so the fsync that
      // follows covers them; later appends wait for the next round (group commit).
      const batch = this.waiting.splice(0);
      this.writeUnwritten();
      await fdatasyncAsync(this.fd);
      this.counters.syncs++;
      for (const waiter of batch) waiter.resolve();
      const rotation = this.rotations.shift();
      if (rotation) {
        await this.rotate(rotation.marker);
        rotation.waiter.resolve();
      }
    }
  }

  private async rotate(marker: SnapshotMarker): Promise<void> {
    const { directory, log } = this.options;
    const previous = this.segments[this.segments.length - 1];
    const previousFd = this.fd;
    // Everything appended before the snapshot request belongs to the old segment, before the marker.
    this.writeUnwritten();

    const sequence = previous.sequence + 1;
    const path = join(directory, segmentFileName(sequence));
    const fd = openSync(path, "ax");
    const opening = [encodeRecord({ type: "snapshot", snapshot: marker })];
    if (this.lastHardState) opening.push(encodeRecord({ type: "hard-state", hardState: this.lastHardState }));
    writeFully(fd, Buffer.concat(opening));
    // From here on appends go to the new segment; the switch is synchronous, so none is lost between.
    this.segments.push({ sequence, path, lastEntryIndex: 0 });
    this.fd = fd;

    await fdatasyncAsync(previousFd);
    closeSync(previousFd);
    await fdatasyncAsync(fd);
    this.counters.syncs += 2;
    await fsyncDirectory(directory);
    log(`WAL: snapshot at index ${marker.index} term ${marker.term} (${marker.path}); started segment ${path}`);

    // Only a prefix may go: deleting a segment while keeping an older one could resurrect entries
    // that the deleted segment's conflict truncation had discarded.
    let removable = 0;
    while (removable < this.segments.length - 1 && this.segments[removable].lastEntryIndex <= marker.index) removable++;
    const removed = this.segments.splice(0, removable);
    for (const segment of removed) await fs.unlink(segment.path);
    if (removed.length > 0) {
      await fsyncDirectory(directory);
      log(`WAL compaction: deleted ${removed.length} segments covered by snapshot ${marker.index}: ${removed.map((s) => s.path).join(", ")}`);
    }
  }

  private writeUnwritten(): void {
    if (this.unwritten.length === 0) return;
    const bytes = this.unwritten.length === 1 ? this.unwritten[0] : Buffer.concat(this.unwritten);
    this.unwritten = [];
    writeFully(this.fd, bytes);
  }

  private fail(error: Error): void {
    this.failure = error;
    this.options.log(`WAL failure in ${this.options.directory}: ${error.message}`);
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    for (const rotation of this.rotations.splice(0)) rotation.waiter.reject(error);
  }
}

function writeFully(fd: number, bytes: Buffer): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}

async function listSegments(directory: string): Promise<Segment[]> {
  const segments: Segment[] = [];
  for (const name of await fs.readdir(directory)) {
    const match = SEGMENT_PATTERN.exec(name);
    if (match) segments.push({ sequence: Number(match[1]), path: join(directory, name), lastEntryIndex: 0 });
  }
  segments.sort((a, b) => a.sequence - b.sequence);
  for (let i = 1; i < segments.length; i++) {
    if (segments[i].sequence !== segments[i - 1].sequence + 1) {
      throw new Error(
        `WAL in ${directory} is missing segment ${segmentFileName(segments[i - 1].sequence + 1)} ` +
          `(found ${segmentFileName(segments[i - 1].sequence)} then ${segmentFileName(segments[i].sequence)}); ` +
          `refusing to start — remove ${directory} to resync the node from its peers`,
      );
    }
  }
  return segments;
}
