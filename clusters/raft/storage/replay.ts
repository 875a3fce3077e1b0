// Rebuilds Raft's persistent state from the WAL's records, oldest first.
// Invariant of the result: `entries` are contiguous and start right after the snapshot (or at 1).
// An append at an index inside the log is Raft's conflict truncation: it discards that index and
// everything after it, exactly as the core did when it wrote the record.

import type { HardState, SnapshotMarker, WalEntry, WalRecord } from "./record.ts";

export interface RecoveredState {
  hardState: HardState | undefined;
  snapshot: SnapshotMarker | undefined;
  entries: WalEntry[];
}

export class ReplayError extends Error {}

export function replay(records: Iterable<WalRecord>): RecoveredState {
  let hardState: HardState | undefined;
  let snapshot: SnapshotMarker | undefined;
  let entries: WalEntry[] = [];

  for (const record of records) {
    switch (record.type) {
      case "hard-state":
        hardState = record.hardState;
        break;
      case "entry": {
        const entry = record.entry;
        if (snapshot && entry.index <= snapshot.index) {
          throw new ReplayError(
            `WAL entry ${entry.index} (term ${entry.term}) follows a snapshot at ${snapshot.index}: committed entries were overwritten`,
          );
        }
        if (entries.length === 0) {
          // The first retained entry may start anywhere: compaction deleted the oldest segments,
          // possibly including entries between an early snapshot marker and this one. A later
          // marker sets the base, and the check after the loop proves the result has no gap.
          entries.push(entry);
          break;
        }
        const first = entries[0].index;
        const last = first + entries.length - 1;
        if (entry.index > last + 1) throw new ReplayError(`WAL entry ${entry.index} leaves a gap after entry ${last}`);
        if (entry.index < first) {
          throw new ReplayError(`WAL entry ${entry.index} overwrites below the oldest retained entry ${first}`);
        }
        entries.length = entry.index - first; // conflict truncation (a no-op for a plain append)
        entries.push(entry);
        break;
      }
      case "snapshot": {
        const marker = record.snapshot;
        if (entries.length > 0 && entries[0].index !== marker.index + 1) {
          const position = marker.index - entries[0].index;
          const continuesSnapshot = position >= 0 && position < entries.length && entries[position].term === marker.term;
          // Either the log continues the snapshot (keep what follows it), or it is behind the
          // snapshot or disagrees with it (a follower installed its leader's snapshot): drop it all.
          entries = continuesSnapshot ? entries.slice(position + 1) : [];
        }
        snapshot = marker;
        break;
      }
    }
  }

  if (entries.length > 0) {
    const expectedFirst = snapshot ? snapshot.index + 1 : 1;
    if (entries[0].index !== expectedFirst) {
      throw new ReplayError(
        `WAL entries start at ${entries[0].index} but ${snapshot ? `the snapshot ends at ${snapshot.index}` : "there is no snapshot"}: a segment is missing`,
      );
    }
  }
  return { hardState, snapshot, entries };
}
