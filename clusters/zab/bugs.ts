// The bug switches our ZAB server understands (DESIGN §8): each turns off one safety rule, so the
// harness can prove that its checkers notice. no-fsync lives in the shell (the WAL); the others
// are passed to the pure core (core/types.ts ZabBugs).

import type { BugSwitch } from "../system.ts";
import type { ZabBugs } from "./core/types.ts";

export const ZAB_BUGS = [
  {
    name: "skip-trunc",
    description: "a learner ignores TRUNC: it keeps proposals the new leader never had and delivers them",
  },
  {
    name: "vote-ignores-zxid",
    description: "elections order votes by server id alone, and the leader accepts learners ahead of it (the newest history no longer wins)",
  },
  {
    name: "commit-before-quorum",
    description: "the leader commits a proposal once it logged it itself, without a quorum of ACKs",
  },
  {
    name: "no-fsync",
    description: "the transaction log acknowledges proposals before they are fsynced (synced about once a second); with --opt storage=power-loss a kill loses acknowledged proposals",
  },
] as const satisfies readonly BugSwitch[];

export type ZabBug = (typeof ZAB_BUGS)[number]["name"];

export function isZabBug(name: string): name is ZabBug {
  return ZAB_BUGS.some((bug) => bug.name === name);
}

export function coreBugs(bugs: readonly ZabBug[]): ZabBugs {
  return {
    skipTrunc: bugs.includes("skip-trunc"),
    voteIgnoresZxid: bugs.includes("vote-ignores-zxid"),
    commitBeforeQuorum: bugs.includes("commit-before-quorum"),
    // Losing acknowledged proposals breaks the core's assumptions; it must carry on so that the
    // harness can observe the damage instead of the server stopping.
    tolerateViolations: bugs.includes("no-fsync"),
  };
}
