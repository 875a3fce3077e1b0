// Raft's durable state on disk: the core's hard state, entries and snapshots mapped onto the WAL and
// snapshot files, and back again after a restart.

import { join } from "node:path";
import { NO_NODE, type DurableState, type Entry, type HardState, type Ready, type Snapshot } from "../core/types.ts";
import type { NodeIds } from "../node-ids.ts";
import type { HardState as WalHardState, WalEntry } from "./record.ts";
import { readSnapshotFile, removeSnapshotFilesExcept, writeSnapshotFile } from "./snapshot-file.ts";
import { Wal, type StorageMode, type WalRecovery } from "./wal.ts";

export interface RaftStorageOptions {
  dataDir: string;
  storage: StorageMode;
  /** Bug no-fsync. */
  acknowledgeBeforeSync: boolean;
  ids: NodeIds;
  log(line: string): void;
}

/** The first byte of an entry's WAL data says what kind of entry it is. */
const KIND_BYTE = { normal: 0, noop: 1, config: 2 } as const;
const KIND_OF_BYTE: readonly Entry["kind"][] = ["normal", "noop", "config"];

export class RaftStorage {
  private constructor(
    private readonly wal: Wal,
    private readonly directory: string,
    private readonly ids: NodeIds,
  ) {}

  /** Opens the node's storage; `durable` is undefined for a node that never persisted anything. */
  static async open(options: RaftStorageOptions): Promise<{ storage: RaftStorage; durable: DurableState | undefined }> {
    const directory = join(options.dataDir, "wal");
    const { wal, recovered } = await Wal.open({
      directory,
      storage: options.storage,
      acknowledgeBeforeSync: options.acknowledgeBeforeSync,
      log: options.log,
    });
    const storage = new RaftStorage(wal, directory, options.ids);

    let snapshot: Snapshot | undefined;
    if (recovered.snapshot) {
      const contents = await readSnapshotFile(directory, recovered.snapshot.path);
      if (contents.index !== recovered.snapshot.index || contents.term !== recovered.snapshot.term) {
        throw new Error(
          `snapshot file ${recovered.snapshot.path} holds (index ${contents.index}, term ${contents.term}) but the WAL marker says ` +
            `(index ${recovered.snapshot.index}, term ${recovered.snapshot.term}); remove ${options.dataDir} to resync the node from its peers`,
        );
      }
      snapshot = { metadata: { index: contents.index, term: contents.term, ...(contents.voters ? { voters: contents.voters } : {}) }, data: contents.data };
      // Files of older snapshots (or one written just before a crash, never marked) are garbage.
      await removeSnapshotFilesExcept(directory, recovered.snapshot.path);
    }

    if (!recovered.hardState && !snapshot && recovered.entries.length === 0) return { storage, durable: undefined };

    const hardState: HardState = recovered.hardState
      ? { term: recovered.hardState.term, vote: recovered.hardState.vote === "" ? NO_NODE : options.ids.id(recovered.hardState.vote), commit: recovered.hardState.commit }
      : { term: snapshot?.metadata.term ?? 0, vote: NO_NODE, commit: snapshot?.metadata.index ?? 0 };
    let entries = recovered.entries.map(fromWalEntry);
    // A batch is written entries first, hard state last. If a crash tore a batch after entries of
    // a new term but before its hard state, those entries were never acknowledged (messages wait
    // for durability), so dropping them is safe — and the core requires log terms ≤ the hard state's.
    const beyondTerm = entries.findIndex((entry) => entry.term > hardState.term);
    if (beyondTerm !== -1) {
      options.log(
        `storage recovery: dropping ${entries.length - beyondTerm} entries from index ${entries[beyondTerm].index} whose term exceeds the ` +
          `persisted hard state's term ${hardState.term} (a torn final batch; never acknowledged)`,
      );
      entries = entries.slice(0, beyondTerm);
    }
    return { storage, durable: { hardState, snapshot, entries } };
  }

  /** Persists a Ready's snapshot, entries and hard state, in that order; resolves once durable. */
  async persist(ready: Pick<Ready, "snapshot" | "entries" | "hardState">): Promise<void> {
    let snapshotFile: string | undefined;
    const writes: Promise<void>[] = [];
    if (ready.snapshot) {
      // The snapshot file must exist before its marker; the marker must precede the entries.
      snapshotFile = await this.writeSnapshotFile(ready.snapshot);
      writes.push(this.wal.saveSnapshot({ ...ready.snapshot.metadata, path: snapshotFile }));
    }
    if (ready.entries.length > 0 || ready.hardState) {
      writes.push(this.wal.append({ entries: ready.entries.map(toWalEntry), hardState: ready.hardState && this.toWalHardState(ready.hardState) }));
    }
    await Promise.all(writes);
    if (snapshotFile) await removeSnapshotFilesExcept(this.directory, snapshotFile);
  }

  /** Records a hard state that differs from the previous one only in its commit index, without
   *  waiting for (or causing) an fsync: the commit index is volatile in Raft, so losing it in a
   *  crash is harmless, and the next durable write syncs it anyway. */
  recordCommit(hardState: HardState): void {
    this.wal.appendWithoutSync({ hardState: this.toWalHardState(hardState) });
  }

  /** Persists a snapshot this node took (core.compact) and lets the WAL drop what it covers. */
  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    await this.persist({ snapshot, entries: [] });
  }

  stats() {
    return this.wal.stats();
  }

  /** What the WAL's recovery did when this node started. */
  get recovery(): WalRecovery {
    return this.wal.recovery;
  }

  close(): Promise<void> {
    return this.wal.close();
  }

  private writeSnapshotFile(snapshot: Snapshot): Promise<string> {
    const data = Buffer.from(snapshot.data.buffer, snapshot.data.byteOffset, snapshot.data.length);
    return writeSnapshotFile(this.directory, { index: snapshot.metadata.index, term: snapshot.metadata.term, ...(snapshot.metadata.voters ? { voters: snapshot.metadata.voters } : {}), data });
  }

  private toWalHardState(hardState: HardState): WalHardState {
    return { term: hardState.term, commit: hardState.commit, vote: hardState.vote === NO_NODE ? "" : (this.ids.name(hardState.vote) ?? "") };
  }
}

function toWalEntry(entry: Entry): WalEntry {
  const data = Buffer.allocUnsafe(1 + entry.data.length);
  data.writeUInt8(KIND_BYTE[entry.kind], 0);
  data.set(entry.data, 1);
  return { index: entry.index, term: entry.term, data };
}

function fromWalEntry(entry: WalEntry): Entry {
  const kindByte = entry.data.readUInt8(0);
  const kind = KIND_OF_BYTE[kindByte];
  if (!kind) throw new Error(`WAL entry ${entry.index} has unknown kind byte ${kindByte}`);
  return { index: entry.index, term: entry.term, kind, data: new Uint8Array(entry.data.subarray(1)) };
}
