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
//
// After every fsync the WAL records how far it had synced (clusters/node-faults/synced-watermark.ts).
// Recovery uses it to tell a torn tail from damage: a record that fails its checksum (or is cut
// short) at or after the watermark was never durable, so never acknowledged — the tail is cut off
// with a log line. One before it was durable and may have been acknowledged: the node refuses to
// start rather than apply it or silently forget it, because a node that forgets what it
// acknowledged (an entry counted for a commit, a vote) can make a committed write vanish.

import { closeSync, constants as fsConstants, fdatasync, fdatasyncSync, openSync, promises as fs, writeSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { decodeWatermark, encodeWatermark, isSynced, WATERMARK_FILE, type SyncedWatermark } from "../../node-faults/synced-watermark.ts";
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
  /** fsync on the event loop, blocking it while the disk syncs, instead of in libuv's thread pool;
   *  each sync starts in a turn of its own, once the turn that appended has handled its I/O. A
   *  pooled fsync wakes two threads per sync (the pool's, then the loop's async handle), and on a
   *  loaded machine each wake-up waits in the run queue; on the loop, what arrives during the sync
   *  waits in the kernel and is handled in one turn after it, in one larger group. ZAB servers use
   *  it under --opt fsyncIn=event-loop (zab-storage.ts has the measurements both ways). The cost: nothing else runs on the loop while a sync lasts, so a disk that stalls
   *  for longer than a peer's silence timeout makes the node look silent to its peers. */
  syncOnEventLoop?: boolean;
  /** Keep this many bytes of zeros written ahead of the records in the segment file (ZooKeeper's
   *  preAllocSize), extending it a block at a time: records then overwrite blocks the file already
   *  has, so an fdatasync flushes data only, without the journal commit that a growing file costs
   *  (ext4 here, a write of 700 bytes + fdatasync: 140–147 µs instead of 212–241, 45 µs of system
   *  CPU instead of 74–84). Recovery reads zeros from a record boundary to the end as the end. */
  preallocateBytes?: number;
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

/** What recovery found at open: nothing wrong, or a torn unsynced tail it cut off. */
export interface WalRecovery {
  outcome: "clean" | "truncated";
  /** One line, as logged. */
  detail: string;
}

/** The WAL is damaged where the node had made it durable: starting would apply corrupt records or
 *  forget acknowledged ones. */
export class WalDamageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WalDamageError";
  }
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
  /** Bytes handed to the current segment's file so far. */
  private writtenBytes: number;
  /** The current segment file's size: writtenBytes plus the zeros preallocated after them. */
  private allocatedBytes: number;
  /** The synced watermark's file, rewritten in place after every fsync. */
  private readonly watermarkFd: number;
  readonly recovery: WalRecovery;

  private constructor(options: WalOptions, segments: Segment[], fd: number, lastHardState: HardState | undefined, writtenBytes: number, allocatedBytes: number, watermarkFd: number, recovery: WalRecovery) {
    this.options = options;
    this.segments = segments;
    this.fd = fd;
    this.lastHardState = lastHardState;
    this.writtenBytes = writtenBytes;
    this.allocatedBytes = allocatedBytes;
    this.watermarkFd = watermarkFd;
    this.recovery = recovery;
  }

  /** Opens the WAL in `directory` (creating it if needed), truncating a torn unsynced tail with a
   *  log line, and returns the state its records describe. Throws WalDamageError, with a line that
   *  says where and what to do, when records it had made durable are damaged or missing. */
  static async open(options: WalOptions): Promise<{ wal: Wal; recovered: RecoveredState }> {
    const { directory, log } = options;
    await fs.mkdir(directory, { recursive: true });
    const segments = await listSegments(directory);
    const records: WalRecord[] = [];
    const watermarkPath = join(directory, WATERMARK_FILE);
    const watermark = decodeWatermark(await fs.readFile(watermarkPath).catch(() => undefined));
    if (!watermark && segments.length > 0) log(`WAL recovery: no valid synced watermark in ${watermarkPath}; any torn tail is taken for an unsynced one`);
    let recovery: WalRecovery = { outcome: "clean", detail: "no damage found" };
    const refuse = (what: string): never => {
      const line =
        `WAL recovery: ${what}, inside what this node had fsynced (${describeWatermark(watermark)}): records it may have acknowledged ` +
        `are damaged or gone. Refusing to start rather than apply or forget them — restore the segment from a copy, or take the node out of ` +
        `the configuration and remove ${directory} so it rejoins empty`;
      log(line);
      throw new WalDamageError(line);
    };

    /** Each segment's bytes of whole records (less than its size when zeros were preallocated). */
    const validLengths = new Map<number, number>();
    for (let position = 0; position < segments.length; position++) {
      const segment = segments[position];
      const bytes = await fs.readFile(segment.path);
      const decoded = decodeRecords(bytes);
      validLengths.set(segment.sequence, decoded.validLength);
      for (const record of decoded.records) {
        if (record.type === "entry") segment.lastEntryIndex = Math.max(segment.lastEntryIndex, record.entry.index);
      }
      records.push(...decoded.records);
      if (!decoded.problem) continue;

      const where = `${segment.path} is damaged at offset ${decoded.problem.offset} (${decoded.problem.reason})`;
      if (watermark && isSynced(watermark, segment.sequence, decoded.problem.offset)) refuse(where);
      const later = segments.slice(position + 1);
      for (const next of later) {
        // A later segment is unsynced as a whole only when the watermark is older than it.
        if (watermark && next.sequence > watermark.sequence) continue;
        const laterDecoded = decodeRecords(await fs.readFile(next.path));
        if (laterDecoded.records.length > 0) {
          if (watermark) refuse(`${where}, and later segment ${next.path} holds records`);
          throw new WalDamageError(
            `WAL segment ${where} but later segment ${next.path} holds records, so this is not a torn tail; ` +
              `refusing to start — remove ${directory} to resync the node from its peers`,
          );
        }
      }
      const detail =
        `truncating ${segment.path} at offset ${decoded.problem.offset}, cutting ${bytes.length - decoded.validLength} bytes ` +
        `(${decoded.problem.reason}) after ${decoded.records.length} intact records${watermark ? `; it lies after what the node had fsynced (${describeWatermark(watermark)}), so it was never acknowledged` : ""}` +
        (later.length > 0 ? `; removing ${later.length} later unsynced segment(s)` : "");
      log(`WAL recovery: ${detail}`);
      recovery = { outcome: "truncated", detail };
      await fs.truncate(segment.path, decoded.validLength);
      const handle = await fs.open(segment.path, "r+");
      await handle.sync();
      await handle.close();
      for (const next of later) {
        log(`WAL recovery: removing segment ${next.path} that followed the torn tail`);
        await fs.unlink(next.path);
      }
      segments.length = position + 1;
      await fsyncDirectory(directory);
      break;
    }
    if (watermark && recovery.outcome === "clean") {
      // Records can also go missing whole: a segment cut at a record boundary, or deleted.
      const synced = segments.find((segment) => segment.sequence === watermark.sequence);
      const newest = segments[segments.length - 1];
      if (!synced && (!newest || newest.sequence < watermark.sequence)) refuse(`segment ${segmentFileName(watermark.sequence)} is missing`);
      if (synced) {
        const size = validLengths.get(synced.sequence) ?? 0;
        if (size < watermark.offset) refuse(`${synced.path} holds ${size} bytes of records, fewer than the ${watermark.offset} it had fsynced`);
      }
    }

    const recovered = replay(records);
    if (segments.length === 0) {
      const sequence = 1;
      segments.push({ sequence, path: join(directory, segmentFileName(sequence)), lastEntryIndex: 0 });
      closeSync(openSync(segments[0].path, "ax"));
      await fsyncDirectory(directory);
    }
    // Read-write, not O_APPEND: records go at writtenBytes, over preallocated zeros.
    const newest = segments[segments.length - 1];
    const fd = openSync(newest.path, "r+");
    const writtenBytes = validLengths.get(newest.sequence) ?? 0;
    const allocatedBytes = (await fs.stat(newest.path)).size;
    // Read-write without O_APPEND: the watermark is rewritten in place (pwrite at 0).
    const watermarkFd = openSync(watermarkPath, fsConstants.O_RDWR | fsConstants.O_CREAT, 0o644);
    log(
      `WAL opened in ${directory} (${options.storage}${options.acknowledgeBeforeSync ? ", acknowledging before sync" : ""}): ` +
        `${segments.length} segments, ${recovered.entries.length} entries` +
        (recovered.snapshot ? ` after snapshot ${recovered.snapshot.index}` : "") +
        (recovered.hardState ? `, term ${recovered.hardState.term}, commit ${recovered.hardState.commit}` : ""),
    );
    const wal = new Wal(options, segments, fd, recovered.hardState, writtenBytes, allocatedBytes, watermarkFd, recovery);
    // Everything recovery kept is durable now (read back from disk; a cut tail was fsynced).
    wal.writeWatermark({ sequence: segments[segments.length - 1].sequence, offset: writtenBytes });
    return { wal, recovered };
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
    closeSync(this.watermarkFd);
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
    const onLoop = this.options.syncOnEventLoop === true;
    // A turn of its own: the messages the appending turn made have left before the loop blocks,
    // and whatever else that turn appends joins this sync.
    if (onLoop) await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.waiting.length > 0 || this.rotations.length > 0) {
      // Every waiter taken here had its records queued before the write below, so the fsync that
      // follows covers them; later appends wait for the next round (group commit).
      const batch = this.waiting.splice(0);
      this.writeUnwritten();
      const covered = this.position();
      if (onLoop) fdatasyncSync(this.fd);
      else await fdatasyncAsync(this.fd);
      this.counters.syncs++;
      this.writeWatermark(covered);
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
    const fd = openSync(path, "wx+");
    const opening = [encodeRecord({ type: "snapshot", snapshot: marker })];
    if (this.lastHardState) opening.push(encodeRecord({ type: "hard-state", hardState: this.lastHardState }));
    const openingBytes = Buffer.concat(opening);
    // From here on appends go to the new segment; the switch is synchronous, so none is lost between.
    this.segments.push({ sequence, path, lastEntryIndex: 0 });
    this.fd = fd;
    this.writtenBytes = 0;
    this.allocatedBytes = 0;
    this.writeAtEnd(openingBytes);

    await fdatasyncAsync(previousFd);
    closeSync(previousFd);
    const covered = this.position();
    await fdatasyncAsync(fd);
    this.counters.syncs += 2;
    await fsyncDirectory(directory);
    this.writeWatermark(covered);
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
    this.writeAtEnd(bytes);
  }

  /** Writes `bytes` after the records in the current segment, preallocating zeros ahead first. */
  private writeAtEnd(bytes: Buffer): void {
    const end = this.writtenBytes + bytes.length;
    const chunk = this.options.preallocateBytes ?? 0;
    if (chunk > 0 && end > this.allocatedBytes) {
      const target = Math.ceil(end / chunk) * chunk;
      writeFully(this.fd, Buffer.alloc(target - this.allocatedBytes), this.allocatedBytes);
      this.allocatedBytes = target;
    }
    writeFully(this.fd, bytes, this.writtenBytes);
    this.writtenBytes = end;
    this.allocatedBytes = Math.max(this.allocatedBytes, end);
  }

  /** The current segment and how much of it has been handed to the file. */
  private position(): SyncedWatermark {
    return { sequence: this.segments[this.segments.length - 1].sequence, offset: this.writtenBytes };
  }

  /** Records that everything up to `watermark` is durable. Not fsynced itself: it only ever names
   *  durable data, so a lost update can only make it say less. */
  private writeWatermark(watermark: SyncedWatermark): void {
    const bytes = encodeWatermark(watermark);
    let written = 0;
    while (written < bytes.length) written += writeSync(this.watermarkFd, bytes, written, bytes.length - written, written);
  }

  private fail(error: Error): void {
    this.failure = error;
    this.options.log(`WAL failure in ${this.options.directory}: ${error.message}`);
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    for (const rotation of this.rotations.splice(0)) rotation.waiter.reject(error);
  }
}

function describeWatermark(watermark: SyncedWatermark | undefined): string {
  return watermark ? `through offset ${watermark.offset} of ${segmentFileName(watermark.sequence)}` : "no watermark";
}

function writeFully(fd: number, bytes: Buffer, position: number): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, position + written);
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
