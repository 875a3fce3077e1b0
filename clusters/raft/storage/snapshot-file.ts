// Snapshot files: the state machine's serialized state up to (index, term), one file per snapshot,
// written atomically and verified by checksum when read. The WAL's snapshot marker names the file
// that is current; any other snapshot file is an older or orphaned one and may be deleted.

import { promises as fs } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { fsyncDirectory, writeFileAtomically } from "./durable-files.ts";

export interface SnapshotContents {
  index: number;
  term: number;
  /** The voters as of `index` (the Raft configuration); absent in files from before membership
   *  changes, meaning the bootstrap voters. */
  voters?: number[];
  data: Buffer;
}

const MAGIC = Buffer.from("FLSNAP1\n", "ascii");
/** Version 2 adds the voters after the term: count u32, then count × u32. */
const MAGIC_2 = Buffer.from("FLSNAP2\n", "ascii");
// magic, crc32 of what follows, index u64, term u64 (version 2: then the voters)
const HEADER_BYTES = MAGIC.length + 4 + 8 + 8;
const FILE_PATTERN = /^snapshot-(\d{16})-(\d{16})\.snap$/;

export function snapshotFileName(index: number, term: number): string {
  return `snapshot-${String(index).padStart(16, "0")}-${String(term).padStart(16, "0")}.snap`;
}

/** Writes the snapshot durably and returns its file name (relative to `directory`). */
export async function writeSnapshotFile(directory: string, snapshot: SnapshotContents): Promise<string> {
  const name = snapshotFileName(snapshot.index, snapshot.term);
  const voters = snapshot.voters ?? [];
  const votersBytes = 4 + 4 * voters.length;
  const out = Buffer.allocUnsafe(HEADER_BYTES + votersBytes + snapshot.data.length);
  MAGIC_2.copy(out, 0);
  out.writeBigUInt64BE(BigInt(snapshot.index), MAGIC.length + 4);
  out.writeBigUInt64BE(BigInt(snapshot.term), MAGIC.length + 12);
  out.writeUInt32BE(voters.length, HEADER_BYTES);
  voters.forEach((voter, i) => out.writeUInt32BE(voter, HEADER_BYTES + 4 + 4 * i));
  snapshot.data.copy(out, HEADER_BYTES + votersBytes);
  out.writeUInt32BE(crc32(out.subarray(MAGIC.length + 4)), MAGIC.length);
  await writeFileAtomically(join(directory, name), out);
  return name;
}

export async function readSnapshotFile(directory: string, name: string): Promise<SnapshotContents> {
  const path = join(directory, name);
  const bytes = await fs.readFile(path);
  const version = bytes.subarray(0, MAGIC.length).equals(MAGIC_2) ? 2 : bytes.subarray(0, MAGIC.length).equals(MAGIC) ? 1 : 0;
  if (bytes.length < HEADER_BYTES || version === 0) {
    throw new Error(`snapshot file ${path} is not a Faultline snapshot (bad magic or shorter than its header); remove the node's data directory to resync it from its peers`);
  }
  const stored = bytes.readUInt32BE(MAGIC.length);
  const computed = crc32(bytes.subarray(MAGIC.length + 4));
  if (stored !== computed) {
    throw new Error(`snapshot file ${path} is corrupt (checksum ${computed}, expected ${stored}); remove the node's data directory to resync it from its peers`);
  }
  const index = Number(bytes.readBigUInt64BE(MAGIC.length + 4));
  const term = Number(bytes.readBigUInt64BE(MAGIC.length + 12));
  if (version === 1) return { index, term, data: bytes.subarray(HEADER_BYTES) };
  const count = bytes.readUInt32BE(HEADER_BYTES);
  const voters = Array.from({ length: count }, (_, i) => bytes.readUInt32BE(HEADER_BYTES + 4 + 4 * i));
  const start = HEADER_BYTES + 4 + 4 * count;
  return { index, term, ...(count > 0 ? { voters } : {}), data: bytes.subarray(start) };
}

/** Deletes every snapshot file in `directory` except `keep`; returns the names deleted. */
export async function removeSnapshotFilesExcept(directory: string, keep: string | undefined): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await fs.readdir(directory)) {
    if (name !== keep && FILE_PATTERN.test(name)) {
      await fs.unlink(join(directory, name));
      removed.push(name);
    }
  }
  if (removed.length > 0) await fsyncDirectory(directory);
  return removed;
}
