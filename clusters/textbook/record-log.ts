// A node's durable log of JSON records, for the textbook protocols' nodes (twopc, quorum): each
// record is an entry of Raft's WAL (clusters/raft/storage/wal.ts) at the next position, so these
// nodes get its segments, checksums, group commit, power-loss mode and synced watermark — and the
// disk nemesis finds their logs where it finds Raft's (<data-dir>/wal). Compaction writes the
// node's state as a snapshot file and a WAL marker at the last position it covers; recovery
// returns that state and the records logged after it.

import { join } from "node:path";
import { readSnapshotFile, removeSnapshotFilesExcept, writeSnapshotFile } from "../raft/storage/snapshot-file.ts";
import { Wal, type StorageMode, type WalRecovery } from "../raft/storage/wal.ts";

export interface RecordLogOptions {
  dataDir: string;
  storage: StorageMode;
  log(line: string): void;
}

export interface Recovered<Snapshot, Entry> {
  snapshot: Snapshot | undefined;
  records: Entry[];
}

/** Where the log lives under a node's data directory. */
export const WAL_DIRECTORY = "wal";

export class RecordLog<Entry, Snapshot> {
  private compacting = false;
  /** Resolves once every record appended so far is durable. */
  private lastAppend: Promise<void> = Promise.resolve();

  private constructor(
    private readonly wal: Wal,
    private readonly directory: string,
    /** Position of the last record appended. */
    private position: number,
    /** Records appended since the last snapshot (or the start). */
    private sinceSnapshot: number,
  ) {}

  static async open<Entry, Snapshot>(options: RecordLogOptions): Promise<{ log: RecordLog<Entry, Snapshot>; recovered: Recovered<Snapshot, Entry> }> {
    const directory = join(options.dataDir, WAL_DIRECTORY);
    const { wal, recovered } = await Wal.open({ directory, storage: options.storage, log: options.log });
    let snapshot: Snapshot | undefined;
    if (recovered.snapshot) {
      const contents = await readSnapshotFile(directory, recovered.snapshot.path);
      snapshot = parse<Snapshot>(contents.data, `snapshot ${recovered.snapshot.path}`);
    }
    const records = recovered.entries.map((entry) => parse<Entry>(entry.data, `WAL entry ${entry.index}`));
    const last = recovered.entries.at(-1)?.index ?? recovered.snapshot?.index ?? 0;
    return { log: new RecordLog<Entry, Snapshot>(wal, directory, last, records.length), recovered: { snapshot, records } };
  }

  /** Appends the records in order; resolves once they (and everything before them) are durable.
   *  With no records, once everything appended before is: outputs that depend on earlier records
   *  wait for them without an fsync of their own. */
  append(records: readonly Entry[]): Promise<void> {
    if (records.length === 0) return this.lastAppend;
    const entries = records.map((record) => ({ index: ++this.position, term: 0, data: Buffer.from(JSON.stringify(record), "utf8") }));
    this.sinceSnapshot += records.length;
    this.lastAppend = this.wal.append({ entries });
    return this.lastAppend;
  }

  /** Whether `every` records were appended since the last snapshot and none is being taken. */
  due(every: number): boolean {
    return !this.compacting && this.sinceSnapshot >= every;
  }

  /** Stores `state` — what every record appended so far built — as the snapshot the log starts
   *  from, and drops the segments it covers. Take `state` right before calling: records appended
   *  meanwhile follow the marker. */
  async compact(state: Snapshot): Promise<void> {
    if (this.compacting) return;
    this.compacting = true;
    const index = this.position;
    this.sinceSnapshot = 0;
    try {
      const path = await writeSnapshotFile(this.directory, { index, term: 0, data: Buffer.from(JSON.stringify(state), "utf8") });
      await this.wal.saveSnapshot({ index, term: 0, path });
      await removeSnapshotFilesExcept(this.directory, path);
    } finally {
      this.compacting = false;
    }
  }

  get recovery(): WalRecovery {
    return this.wal.recovery;
  }

  stats(): { syncs: number; segments: number; position: number } {
    const { syncs, segments } = this.wal.stats();
    return { syncs, segments, position: this.position };
  }

  close(): Promise<void> {
    return this.wal.close();
  }
}

function parse<T>(data: Uint8Array, what: string): T {
  try {
    // The node wrote it from a T with JSON.stringify.
    return JSON.parse(Buffer.from(data).toString("utf8")) as T;
  } catch (error) {
    throw new Error(`${what} is not the JSON this node writes (${(error as Error).message}); the log was written by something else — remove the node's data directory to start it empty`);
  }
}
