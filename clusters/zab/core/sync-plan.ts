// How a leader brings one learner's history in line with its own (LearnerHandler.syncFollower),
// from the learner's last logged zxid and the window of history the leader still logs:
//
//   learner's last zxid                          mode        what the learner does
//   ------------------------------------------   ---------   ----------------------------------
//   the leader's last zxid                       diff        nothing to add
//   in the leader's log (or its snapshot point)  diff        append the proposals after it
//   not in the leader's history, above its last  trunc       drop what the leader never had
//   not in the leader's history, below its last  trunc-diff  drop it, then append the rest
//   below the leader's snapshot                  snap        take the snapshot and what follows
//
// "Not in the leader's history" is a proposal some earlier leader logged on this learner but never
// got committed; the new leader's history decides. The truncation point is the largest zxid the
// leader holds below the learner's: by ZAB's prefix property the learner holds everything up to it
// exactly as the leader does.

import type { History } from "./history.ts";
import type { Proposal, Snapshot, SyncMode } from "./types.ts";
import type { Zxid } from "./zxid.ts";

export interface SyncPlan {
  mode: SyncMode;
  truncateTo?: Zxid;
  snapshot?: Snapshot;
  proposals: Proposal[];
}

export function planSync(history: History, peerLastZxid: Zxid): SyncPlan {
  const last = history.lastZxid();
  const base = history.snapshotZxid;
  if (peerLastZxid === last) return { mode: "diff", proposals: [] };
  if (peerLastZxid < base) {
    const snapshot = history.snapshot;
    if (snapshot !== undefined) return { mode: "snap", snapshot, proposals: history.between(base, last) };
  }
  if (history.holds(peerLastZxid)) return { mode: "diff", proposals: history.between(peerLastZxid, last) };
  const truncateTo = history.largestBelow(peerLastZxid);
  if (truncateTo === last) return { mode: "trunc", truncateTo, proposals: [] };
  return { mode: "trunc-diff", truncateTo, proposals: history.between(truncateTo, last) };
}
