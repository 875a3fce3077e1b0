// ZAB's durable state on disk: the transaction log on Raft's WAL (segments, checksummed records,
// group fsync, power-loss mode, the no-fsync switch, the synced watermark), snapshots in Raft's
// snapshot files, and ZooKeeper's two epoch files, each replaced atomically.
//
// The WAL keys its records by a dense log position; a ZAB log is keyed by zxid, which jumps at
// every new epoch. So each proposal is a WAL entry at the next position, its zxid in the entry:
//   entry   index = position (1, 2, 3, … after the snapshot's position), term = the zxid's epoch,
//           data  = kind:u8 (1 proposal, 2 truncation) zxid:u64 proposal data
// and the WAL's own replay rule — an entry written at a position inside the log discards that
// position and everything after it (Raft's conflict truncation) — gives TRUNC for free:
//   TRUNC followed by proposals   the first proposal is written at the first position dropped
//   TRUNC alone                   a truncation marker is written there, and dropped at recovery;
//                                 the next proposal overwrites it
//   SNAP from the leader          a snapshot marker one past the last position: replay keeps
//                                 nothing before it (the WAL drops a log the marker does not
//                                 continue), and the log restarts after it
//   our own snapshot at zxid z    a marker at z's position and epoch: the log after it is kept
// Snapshot files hold zxid:u64 then the data tree's bytes (tree/snapshot.ts).
//
// Readys are pipelined (core/types.ts): persist() is called for the next Ready while the WAL still
// syncs the one before, and a Ready that only logs (proposals, a truncation) enters the WAL's record
// stream at once, so that one fsync covers every Ready handed out meanwhile (group commit). A Ready
// with a snapshot or epochs waits until everything before it is durable — an epoch file must never
// reach the disk ahead of the history it vouches for — and the ones after it wait behind it.

import { promises as fs } from "node:fs";
import { join } from "node:path";
import type { DurableState, Epochs, Proposal, Ready, Snapshot } from "../core/types.ts";
import { epochOf, formatZxid, type Zxid } from "../core/zxid.ts";
import { writeFileAtomically } from "../../raft/storage/durable-files.ts";
import type { WalEntry } from "../../raft/storage/record.ts";
import { readSnapshotFile, removeSnapshotFilesExcept, writeSnapshotFile } from "../../raft/storage/snapshot-file.ts";
import { Wal, type StorageMode } from "../../raft/storage/wal.ts";

export interface ZabStorageOptions {
  dataDir: string;
  storage: StorageMode;
  /** Where the WAL's fsync runs. pool: libuv's threads, while the server keeps serving (the bench's
   *  setData/s, paired on an idle machine: 6 948–7 222 against 6 366–6 670 on the loop). event-loop
   *  (wal.ts syncOnEventLoop): the loop blocks, and what arrives meanwhile is taken as one group
   *  after it — 35–55% more on a machine loaded by other work (load 13–23, session 6), where each
   *  of a pooled fsync's two thread wake-ups waits in the run queue. */
  fsyncIn: "pool" | "event-loop";
  /** Bug no-fsync: the log acknowledges appends before they are fsynced. */
  acknowledgeBeforeSync: boolean;
  log(line: string): void;
}

const KIND_PROPOSAL = 1;
const KIND_TRUNCATION = 2;
const ENTRY_HEADER_BYTES = 1 + 8;
/** Zeros kept ahead of the log's records; a 1 MB extension is one journal commit per ~1 500 txns of
 *  the bench's size, against one per fsync without it. */
const WAL_PREALLOCATE_BYTES = 1024 * 1024;
export const ACCEPTED_EPOCH_FILE = "acceptedEpoch";
export const CURRENT_EPOCH_FILE = "currentEpoch";

interface Logged {
  zxid: Zxid;
  position: number;
}

export class ZabStorage {
  /** The logged proposals after the snapshot, with their WAL positions, ascending. */
  private logged: Logged[] = [];
  private snapshotPosition: number;
  private snapshotZxid: Zxid;
  private epochs: Epochs;
  /** Settles once everything persisted so far is durable (or failed). */
  private tail: Promise<void> = Promise.resolve();
  /** Persists waiting for everything before them; while any is queued, later ones queue too. */
  private queued = 0;

  private constructor(
    private readonly wal: Wal,
    private readonly directory: string,
    private readonly dataDir: string,
    recovered: { logged: Logged[]; snapshotPosition: number; snapshotZxid: Zxid; epochs: Epochs },
  ) {
    this.logged = recovered.logged;
    this.snapshotPosition = recovered.snapshotPosition;
    this.snapshotZxid = recovered.snapshotZxid;
    this.epochs = recovered.epochs;
  }

  /** Opens the node's storage; `durable` is undefined for a server that never persisted anything. */
  static async open(options: ZabStorageOptions): Promise<{ storage: ZabStorage; durable: DurableState | undefined }> {
    const directory = join(options.dataDir, "wal");
    // Segments preallocated as ZooKeeper's logs are (wal.ts preallocateBytes): cheaper fsyncs.
    const { wal, recovered } = await Wal.open({
      directory,
      storage: options.storage,
      acknowledgeBeforeSync: options.acknowledgeBeforeSync,
      syncOnEventLoop: options.fsyncIn === "event-loop",
      preallocateBytes: WAL_PREALLOCATE_BYTES,
      log: options.log,
    });
    const epochs = { acceptedEpoch: await readEpoch(options.dataDir, ACCEPTED_EPOCH_FILE), currentEpoch: await readEpoch(options.dataDir, CURRENT_EPOCH_FILE) };
    if (epochs.currentEpoch > epochs.acceptedEpoch) {
      throw new Error(`${join(options.dataDir, CURRENT_EPOCH_FILE)} holds ${epochs.currentEpoch}, above ${ACCEPTED_EPOCH_FILE} ${epochs.acceptedEpoch}: the epoch files are damaged; remove ${options.dataDir} to resync the server from its peers`);
    }

    let snapshot: Snapshot | undefined;
    let snapshotPosition = 0;
    if (recovered.snapshot) {
      const contents = await readSnapshotFile(directory, recovered.snapshot.path);
      if (contents.index !== recovered.snapshot.index || contents.data.length < 8) {
        throw new Error(`snapshot file ${recovered.snapshot.path} does not match the WAL's marker (position ${recovered.snapshot.index}); remove ${options.dataDir} to resync the server from its peers`);
      }
      snapshot = { zxid: contents.data.readBigUInt64BE(0), data: new Uint8Array(contents.data.subarray(8)) };
      snapshotPosition = recovered.snapshot.index;
      await removeSnapshotFilesExcept(directory, recovered.snapshot.path);
    }

    const proposals: Proposal[] = [];
    const logged: Logged[] = [];
    const entries = recovered.entries;
    for (let i = 0; i < entries.length; i++) {
      const { kind, zxid, data } = decodeEntry(entries[i]);
      if (kind === KIND_TRUNCATION) {
        // A marker is always the last record of the log it truncates (the next proposal overwrites it).
        if (i !== entries.length - 1) throw new Error(`WAL in ${directory}: a truncation marker at position ${entries[i].index} is followed by entries; remove ${options.dataDir} to resync the server`);
        continue;
      }
      const previous = proposals[proposals.length - 1]?.zxid ?? snapshot?.zxid ?? 0n;
      if (zxid <= previous) throw new Error(`WAL in ${directory}: proposal ${formatZxid(zxid)} at position ${entries[i].index} follows ${formatZxid(previous)}; remove ${options.dataDir} to resync the server`);
      proposals.push({ zxid, data });
      logged.push({ zxid, position: entries[i].index });
    }
    // A torn last batch may hold proposals of an epoch the epoch files never reached: they were
    // never acknowledged (messages wait for durability), so they go, as the core requires.
    while (proposals.length > 0 && epochOf(proposals[proposals.length - 1].zxid) > epochs.acceptedEpoch) {
      options.log(`storage recovery: dropping proposal ${formatZxid(proposals[proposals.length - 1].zxid)}, beyond the accepted epoch ${epochs.acceptedEpoch} (a torn final batch; never acknowledged)`);
      proposals.pop();
      logged.pop();
    }
    const storage = new ZabStorage(wal, directory, options.dataDir, { logged, snapshotPosition, snapshotZxid: snapshot?.zxid ?? 0n, epochs });
    if (snapshot === undefined && proposals.length === 0 && epochs.acceptedEpoch === 0) return { storage, durable: undefined };
    const durable: DurableState = { epochs, proposals };
    if (snapshot !== undefined) durable.snapshot = snapshot;
    return { storage, durable };
  }

  /** Persists a Ready's snapshot, truncation, proposals and epochs, in that order and after every
   *  earlier call's; resolves once all of it is durable (the log's part at once under the no-fsync
   *  switch). */
  persist(ready: Pick<Ready, "snapshot" | "truncateTo" | "proposals" | "epochs">): Promise<void> {
    if (ready.snapshot === undefined && ready.epochs === undefined && this.queued === 0) return this.track(this.appendLog(ready));
    return this.inOrder(async () => {
      if (ready.snapshot !== undefined) await this.installSnapshot(ready.snapshot);
      await this.appendLog(ready);
      if (ready.epochs !== undefined) await this.saveEpochs(ready.epochs);
    });
  }

  /** Runs `work` once everything persisted before is durable; later persists wait for it. */
  private inOrder(work: () => Promise<void>): Promise<void> {
    this.queued++;
    const done = this.tail.then(work).finally(() => this.queued--);
    return this.track(done);
  }

  private track(done: Promise<void>): Promise<void> {
    const previous = this.tail;
    this.tail = Promise.all([previous, done]).then(() => undefined);
    // The caller hears of a failure through `done`; the tail only orders later work.
    this.tail.catch(() => undefined);
    return done;
  }

  /** Enters a Ready's truncation and proposals into the WAL's record stream now. */
  private appendLog(ready: Pick<Ready, "truncateTo" | "proposals">): Promise<void> {
    const entries: WalEntry[] = [];
    if (ready.truncateTo !== undefined) {
      const target = ready.truncateTo;
      let keep = this.logged.length;
      while (keep > 0 && this.logged[keep - 1].zxid > target) keep--;
      if (keep < this.logged.length) {
        this.logged.length = keep;
        if (ready.proposals.length === 0) entries.push(encodeEntry(this.nextPosition(), KIND_TRUNCATION, target, new Uint8Array(0)));
      }
    }
    for (const proposal of ready.proposals) {
      const position = this.nextPosition();
      entries.push(encodeEntry(position, KIND_PROPOSAL, proposal.zxid, proposal.data));
      this.logged.push({ zxid: proposal.zxid, position });
    }
    return entries.length > 0 ? this.wal.append({ entries }) : Promise.resolve();
  }

  /** Persists a snapshot this server took at `snapshot.zxid` (a logged proposal, or the current
   *  snapshot's zxid) and lets the WAL drop what it covers. Log appends may go on meanwhile (the
   *  WAL orders them after the snapshot's marker). */
  saveSnapshot(snapshot: Snapshot): Promise<void> {
    const save = async () => {
      if (snapshot.zxid === this.snapshotZxid) return;
      const entry = this.logged.find((logged) => logged.zxid === snapshot.zxid);
      if (entry === undefined) throw new Error(`cannot snapshot at ${formatZxid(snapshot.zxid)}: it is not in the log (which holds ${this.logged.length} proposals after ${formatZxid(this.snapshotZxid)})`);
      await this.writeSnapshot(entry.position, snapshot);
      this.logged = this.logged.filter((logged) => logged.position > entry.position);
    };
    return this.queued === 0 ? this.track(save()) : this.inOrder(save);
  }

  stats() {
    return this.wal.stats();
  }

  close(): Promise<void> {
    return this.wal.close();
  }

  /** SNAP: the log restarts after the leader's snapshot. */
  private async installSnapshot(snapshot: Snapshot): Promise<void> {
    // One past every position written so far: the WAL's replay keeps no entry before a marker
    // that the log does not continue.
    const position = this.nextPosition() + 1;
    await this.writeSnapshot(position, snapshot);
    this.logged = [];
  }

  private async writeSnapshot(position: number, snapshot: Snapshot): Promise<void> {
    const data = Buffer.allocUnsafe(8 + snapshot.data.length);
    data.writeBigUInt64BE(snapshot.zxid, 0);
    data.set(snapshot.data, 8);
    const term = epochOf(snapshot.zxid);
    const path = await writeSnapshotFile(this.directory, { index: position, term, data });
    await this.wal.saveSnapshot({ index: position, term, path });
    await removeSnapshotFilesExcept(this.directory, path);
    this.snapshotPosition = position;
    this.snapshotZxid = snapshot.zxid;
  }

  private async saveEpochs(epochs: Epochs): Promise<void> {
    // acceptedEpoch first: every crash leaves currentEpoch ≤ acceptedEpoch on disk.
    if (epochs.acceptedEpoch !== this.epochs.acceptedEpoch) await writeFileAtomically(join(this.dataDir, ACCEPTED_EPOCH_FILE), Buffer.from(`${epochs.acceptedEpoch}\n`));
    if (epochs.currentEpoch !== this.epochs.currentEpoch) await writeFileAtomically(join(this.dataDir, CURRENT_EPOCH_FILE), Buffer.from(`${epochs.currentEpoch}\n`));
    this.epochs = { ...epochs };
  }

  private nextPosition(): number {
    const last = this.logged[this.logged.length - 1];
    return (last === undefined ? this.snapshotPosition : last.position) + 1;
  }
}

function encodeEntry(position: number, kind: number, zxid: Zxid, proposal: Uint8Array): WalEntry {
  const data = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + proposal.length);
  data.writeUInt8(kind, 0);
  data.writeBigUInt64BE(zxid, 1);
  data.set(proposal, ENTRY_HEADER_BYTES);
  return { index: position, term: epochOf(zxid), data };
}

function decodeEntry(entry: WalEntry): { kind: number; zxid: Zxid; data: Uint8Array } {
  if (entry.data.length < ENTRY_HEADER_BYTES) throw new Error(`WAL entry at position ${entry.index} holds ${entry.data.length} bytes, too few for a ZAB record`);
  const kind = entry.data.readUInt8(0);
  if (kind !== KIND_PROPOSAL && kind !== KIND_TRUNCATION) throw new Error(`WAL entry at position ${entry.index} has unknown kind ${kind}`);
  return { kind, zxid: entry.data.readBigUInt64BE(1), data: new Uint8Array(entry.data.subarray(ENTRY_HEADER_BYTES)) };
}

async function readEpoch(dataDir: string, name: string): Promise<number> {
  const path = join(dataDir, name);
  let text: string;
  try {
    text = await fs.readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${path} holds ${JSON.stringify(text)}, not an epoch; remove ${dataDir} to resync the server from its peers`);
  return value;
}
