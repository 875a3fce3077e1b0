// How long a user waits between `faultline run` and the first client op for the seeds' textbook
// protocols on the local runtime, 3 nodes each (quorum with the register workload, twopc 2PC and
// 3PC with bank, whose clients first create their accounts in a transaction), beside our Raft
// measured in the same bench run. Neither protocol has a real product to stand beside (SYSTEMS.md
// 10): the nodes are Faultline's own, and leaderless, so there is no failover to time either.
// Measured by bench/docker-first-op.ts's measureFirstOp, from the runs' own harness.log and
// history.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchRow } from "./bench-row.ts";
import { measureFirstOp, type FirstOp } from "./docker-first-op.ts";

const NODES = 3;

export async function bench(): Promise<BenchRow[]> {
  const store = mkdtempSync(join(tmpdir(), "faultline-bench-textbook-first-op-"));
  try {
    const raft = await measureFirstOp("raft", "local", store, { nodes: NODES });
    const measured: [string, FirstOp][] = [
      ["quorum n=3 w=2 r=2, register", await measureFirstOp("quorum", "local", store, { nodes: NODES })],
      ["twopc 2pc, bank", await measureFirstOp("twopc", "local", store, { nodes: NODES, workload: "bank" })],
      ["twopc 3pc, bank", await measureFirstOp("twopc", "local", store, { nodes: NODES, workload: "bank", extraArgs: ["--opt", "protocol=3pc"] })],
    ];
    const baseline = `raft, register, local runtime, ${NODES} nodes`;
    const phases: [keyof FirstOp, string][] = [
      ["cliStartMs", "CLI start"],
      ["runtimeMs", "runtime created"],
      ["setupMs", "cluster setup until ready"],
    ];
    const rows: BenchRow[] = [];
    for (const [system, times] of measured) {
      rows.push({ name: `spawn → first op, ${system}, local runtime, ${NODES} nodes`, value: times.firstOpMs, unit: "ms", baseline: { name: baseline, value: raft.firstOpMs }, ratio: times.firstOpMs / raft.firstOpMs });
      for (const [field, label] of phases) {
        rows.push({ name: `  ${system}: ${label}`, value: times[field], unit: "ms", baseline: { name: baseline, value: raft[field] }, ratio: times[field] / raft[field] });
      }
    }
    return rows;
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}
