// Every workload against our own Raft nodes through the real CLI, as a user would run them: a
// short healthy run per workload must end valid (exit 0), with every kind of op succeeding. Runs go
// in pairs to keep the suite within two minutes on a shared machine.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { faultline } from "../support/cli.ts";

const store = mkdtempSync(join(tmpdir(), "faultline-raft-workloads-"));
/** A failed run's files are the evidence: the store stays when any run failed. */
let keepStore = false;

afterAll(() => {
  if (!keepStore) rmSync(store, { recursive: true, force: true });
});

/** Each workload, with the op kinds a healthy run must get ok at least once. */
const OPS: Record<string, string[]> = {
  "list-append": ["txn"],
  "rw-register": ["txn"],
  set: ["add", "read"],
  counter: ["add", "read"],
  bank: ["transfer", "read"],
  queue: ["enqueue", "dequeue", "drain"],
  lock: ["acquire", "release"],
  "unique-ids": ["generate"],
};
const PAIRS: [string, string][] = [
  ["list-append", "rw-register"],
  ["set", "counter"],
  ["bank", "queue"],
  ["lock", "unique-ids"],
];

interface Results {
  valid: unknown;
  workload: { name: string };
  stats: { byF: Record<string, { ok: number }> };
}

async function healthyRun(workload: string): Promise<void> {
  const args = [
    "run", "--system", "raft", "--workload", workload, "--nemesis", "none", "--time", "6", "--recovery", "1", "--nodes", "3",
    "--seed", "11", "--store", store, "--name", `raft-${workload}`, "--json",
    // 500 ms election timeouts instead of 100: on a machine shared with other work a CPU stall
    // could otherwise depose a healthy leader, and these runs are about the clients.
    "--opt", "electionTicks=50",
  ];
  const result = await faultline(args, { timeoutMs: 55_000 });
  try {
    expect(result.code, `${workload}: exit ${result.code}\n${result.stdout.slice(0, 3000)}\n${result.stderr.slice(-2000)}`).toBe(0);
    const results = JSON.parse(result.stdout) as Results;
    expect(results.valid).toBe(true);
    expect(results.workload.name).toBe(workload);
    for (const f of OPS[workload]) expect(results.stats.byF[f]?.ok, `${workload}: ok ${f} ops`).toBeGreaterThan(0);
  } catch (error) {
    keepStore = true;
    (error as Error).message += `\n(run kept in ${join(store, `raft-${workload}`)})`;
    throw error;
  }
}

describe("faultline run --system raft, every workload, healthy", () => {
  it("covers every workload the raft system lists, on 5 nodes by default", async () => {
    const result = await faultline(["list", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const raft = (JSON.parse(result.stdout) as { systems: { name: string; workloads: string[]; defaultNodes: number }[] }).systems.find((system) => system.name === "raft");
    expect(raft?.workloads).toEqual(["register", ...Object.keys(OPS)]);
    expect(raft?.defaultNodes).toBe(5);
  });

  it.each(PAIRS)("%s and %s end valid", async (first, second) => {
    await Promise.all([healthyRun(first), healthyRun(second)]);
  }, 60_000);
});
