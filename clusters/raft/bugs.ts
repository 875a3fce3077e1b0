// The bug switches our Raft node understands (DESIGN §8): each turns off one safety rule, so the
// harness can prove that its checkers notice. Shell bugs live in node.ts and the WAL; core bugs
// are passed to the pure core.

import type { BugSwitch } from "../system.ts";
import type { CoreBugs } from "./core/types.ts";

export const RAFT_BUGS = [
  {
    name: "stale-read",
    description: "GET and LRANGE are served from the local state machine on any node, without a ReadIndex round (reads may be stale)",
  },
  {
    name: "no-fsync",
    description: "the WAL acknowledges appends before they are fsynced (synced lazily, about once a second); with --storage power-loss a kill loses acknowledged entries and votes",
  },
  {
    name: "commit-old-term",
    description: "a leader commits entries of earlier terms by counting replicas (Raft paper Figure 8)",
  },
  {
    name: "vote-without-log-check",
    description: "votes are granted without checking that the candidate's log is at least as up to date",
  },
] as const satisfies readonly BugSwitch[];

export type RaftBug = (typeof RAFT_BUGS)[number]["name"];

export function isRaftBug(name: string): name is RaftBug {
  return RAFT_BUGS.some((bug) => bug.name === name);
}

export function coreBugs(bugs: readonly RaftBug[]): CoreBugs {
  return {
    commitOldTerm: bugs.includes("commit-old-term"),
    voteWithoutLogCheck: bugs.includes("vote-without-log-check"),
    // Losing acknowledged entries and votes breaks the core's assumptions; it must carry on so the
    // harness can observe the damage instead of the node stopping.
    tolerateViolations: bugs.includes("no-fsync"),
  };
}
