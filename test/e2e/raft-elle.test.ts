// Transactions on our Raft cluster, judged by the Elle-style checker: a healthy cluster under
// partitions and crashes is strict serializable; with reads served from local state (the
// stale-read bug) a real-time anomaly is found. Each run: 3 nodes, 20 s.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { faultline } from "../support/cli.ts";

interface RunResults {
  valid: unknown;
  workload: { anomalyTypes: string[]; not: string[]; alsoNot: string[] };
}

async function listAppendRun(extra: string[], seed: number): Promise<{ code: number; results: RunResults; stderr: string }> {
  const store = mkdtempSync(join(tmpdir(), "faultline-elle-e2e-"));
  const result = await faultline(["run", "--system", "raft", "--nodes", "3", "--workload", "list-append", "--time", "20", "--seed", String(seed), "--store", store, "--json", ...extra], { timeoutMs: 240_000 });
  return { code: result.code, results: JSON.parse(result.stdout) as RunResults, stderr: result.stderr };
}

describe("list-append on raft", () => {
  it("is strict serializable under partitions and kills", async () => {
    const { code, results, stderr } = await listAppendRun(["--nemesis", "partition,kill"], 1);
    expect(code, stderr).toBe(0);
    expect(results.workload.anomalyTypes).toEqual([]);
  }, 300_000);

  it("with --bug stale-read, reports a real-time anomaly that rules out strict serializability (within 3 seeds)", async () => {
    const attempts: string[] = [];
    for (const seed of [1, 2, 3]) {
      const { code, results } = await listAppendRun(["--nemesis", "partition,pause", "--bug", "stale-read"], seed);
      attempts.push(`seed ${seed}: exit ${code}, ${results.workload.anomalyTypes.join(",") || "no anomalies"}`);
      if (code !== 1) continue;
      expect(results.workload.anomalyTypes.some((t) => t.endsWith("-realtime"))).toBe(true);
      expect([...results.workload.not, ...results.workload.alsoNot]).toContain("strict-serializable");
      return;
    }
    throw new Error(`stale-read was never caught: ${attempts.join("; ")}`);
  }, 900_000);
});
