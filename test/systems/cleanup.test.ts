// A harness SIGKILLed in the middle of a docker run can clean up nothing itself: its containers keep
// running, partitioned by the iptables rules it had put in them. `faultline cleanup` must remove
// every container and the network of that run, and with them the rules (they live in the
// containers' network namespaces; Docker's own host rules for the run's bridge go with the network).

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { beforeAll, describe, expect, it } from "vitest";
import { buildImages } from "../../clusters/runtime/docker/images/build-images.ts";
import { systemImages } from "../../clusters/runtime/docker/images/names.ts";
import { systems } from "../../harness/run/registry.ts";
import { cleanupDocker } from "../../clusters/runtime/docker/cleanup.ts";
import { ensureDocker } from "../../clusters/runtime/docker/engine.ts";
import { CHAIN } from "../../clusters/runtime/docker/firewall.ts";
import { faultline, spawnFaultline } from "../support/cli.ts";
import { runLeftovers, sh } from "./helpers/docker-probes.ts";

let docker: Docker;

beforeAll(async () => {
  docker = await ensureDocker({ install: true, onProgress: (line) => console.log(line) });
  await buildImages(systemImages(systems, ["etcd"]), { docker, onProgress: (line) => console.log(line) });
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, lastWords: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; harness stderr: ${lastWords()}`);
    await sleep(200);
  }
}

/** Host iptables rules (every table Docker uses) that mention `word`. */
function hostRulesMentioning(word: string): string[] {
  const rules: string[] = [];
  for (const table of ["filter", "nat"]) {
    rules.push(...execFileSync("iptables", ["-w", "-t", table, "-S"], { encoding: "utf8" }).split("\n").filter((line) => line.includes(word)));
  }
  return rules;
}

describe("faultline cleanup after a SIGKILLed docker run", () => {
  it("removes the run's containers, its network and its iptables rules", async () => {
    const store = mkdtempSync(join(tmpdir(), "faultline-sigkill-docker-"));
    const harness = spawnFaultline(["run", "--system", "etcd", "--runtime", "docker", "--workload", "register", "--nemesis", "partition", "--nemesis-interval", "1", "--time", "300", "--store", store]);
    let stderr = "";
    harness.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => harness.once("exit", () => resolve()));
    const lastWords = (): string => stderr.trim().split("\n").slice(-3).join(" | ");
    let runId: string | undefined;
    try {
      const runDir = await waitFor("the run directory", () => /run directory (\S+)/.exec(stderr)?.[1], 60_000, lastWords);
      const record = join(runDir, "nodes", "docker.json");
      runId = await waitFor("the runtime's record of its containers", () => (existsSync(record) ? (JSON.parse(readFileSync(record, "utf8")) as { runId: string }).runId : undefined), 180_000, lastWords);
      const id = runId;
      // Killed only once the harness has cut the network: the rules must be there to be left behind.
      await waitFor("a partition in place", () => (readFileSync(join(runDir, "harness.log"), "utf8").includes("nemesis start-partition ok") ? true : undefined), 180_000, lastWords);

      const left = await runLeftovers(docker, id);
      expect(left.containers).toHaveLength(3);
      expect(left.networks).toEqual([`faultline-${id}`]);
      const bridge = `br-${(await docker.getNetwork(`faultline-${id}`).inspect()).Id.slice(0, 12)}`;
      const chains = await Promise.all(left.containers.map(async (name) => (await sh(docker, name.replace(/^\//, ""), `iptables -S ${CHAIN}`)).stdout));
      expect(chains.join("\n"), "the harness put partition rules in its chain").toMatch(/-j DROP/);
      expect(hostRulesMentioning(bridge).length, `Docker's host rules for ${bridge}`).toBeGreaterThan(0);

      harness.kill("SIGKILL");
      await exited;
      expect(harness.signalCode).toBe("SIGKILL");
      // Nothing of the harness's own cleanup ran: everything is still there.
      expect((await runLeftovers(docker, id)).containers).toHaveLength(3);

      const cleanup = await faultline(["cleanup", "--store", store], { timeoutMs: 120_000 });
      expect(cleanup.code, cleanup.stderr).toBe(0);
      const removed = /docker: removed (\d+) container\(s\), (\d+) network\(s\)/.exec(cleanup.stdout);
      expect(removed, cleanup.stdout).not.toBeNull();
      expect(Number(removed?.[1])).toBeGreaterThanOrEqual(3);
      expect(Number(removed?.[2])).toBeGreaterThanOrEqual(1);

      expect(await runLeftovers(docker, id)).toEqual({ containers: [], networks: [] });
      expect(hostRulesMentioning(bridge)).toEqual([]);
      expect(hostRulesMentioning(CHAIN)).toEqual([]);
    } finally {
      if (harness.exitCode === null && harness.signalCode === null) {
        harness.kill("SIGKILL");
        await exited;
      }
      if (runId) await cleanupDocker({ docker, runId, includeLive: true });
    }
  }, 10 * 60_000);
});
