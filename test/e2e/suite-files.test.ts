// The shipped suites and the nightly workflow, checked without running them: the suites expand
// against today's registry with nothing skipped (smoke on the local runtime only, cap over every
// system that can be partitioned, on Docker); the workflow — which cannot run here — has the
// structure GitHub Actions needs: a nightly schedule, one job per shard whose matrix and --shard
// arguments agree, JUnit and the store uploaded, and a merge job that compares all shards and
// reports their JUnit.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { catalog, systems as registered } from "../../harness/run/registry.ts";
import { expandMatrix, shardOf } from "../../harness/run/suite/matrix.ts";
import { readSuiteFile } from "../../harness/run/suite/suite-file.ts";
import { faultline, REPO_ROOT } from "../support/cli.ts";

describe("shipped suites", () => {
  it("smoke: our Raft healthy and with a bug, local runtime only, minutes", () => {
    const suite = readSuiteFile(join(REPO_ROOT, "suites/smoke.yaml"));
    const matrix = expandMatrix(suite, catalog());
    expect(matrix.skipped).toEqual([]);
    expect(matrix.runnable.length).toBeGreaterThanOrEqual(4);
    expect(new Set(matrix.runnable.map((c) => c.spec.runtime))).toEqual(new Set(["local"]));
    expect(new Set(matrix.runnable.map((c) => c.system))).toEqual(new Set(["raft"]));
    expect(matrix.runnable.some((c) => c.spec.bugs.length > 0) && matrix.runnable.some((c) => c.spec.bugs.length === 0)).toBe(true);
    // Minutes: main phase and recovery of every run, plus ~10 s of setup and checking each.
    const seconds = matrix.runnable.reduce((sum, c) => sum + c.spec.timeS + c.spec.recoveryS + 10, 0);
    expect(seconds).toBeLessThan(10 * 60);
  });

  it("cap: raft, zab, etcd, zookeeper, redis-sentinel, mysql and elasticsearch on Docker, partitioned, CP and AP side by side", () => {
    const suite = readSuiteFile(join(REPO_ROOT, "suites/cap.yaml"));
    const matrix = expandMatrix(suite, catalog());
    expect(matrix.skipped).toEqual([]);
    const systems = new Set(matrix.runnable.map((c) => c.system));
    for (const system of ["raft", "zab", "etcd", "zookeeper", "redis-sentinel", "mysql", "elasticsearch"]) expect(systems).toContain(system);
    const caps = new Set([...systems].map((s) => registered[s].claims.cap));
    expect(caps).toEqual(new Set(["CP", "AP"]));
    for (const cell of matrix.runnable) {
      expect(cell.spec.runtime).toBe("docker");
      expect(cell.spec.nemesis).toContain("partition");
    }
  });
});

describe("shipped suites: textbook", () => {
  it("textbook: quorum at four settings, 2PC and 3PC, and raft, local runtime only; what has no client, and the prepared-participant cut where nothing prepares, is skipped", () => {
    const suite = readSuiteFile(join(REPO_ROOT, "suites/textbook.yaml"));
    const matrix = expandMatrix(suite, catalog());
    expect(new Set(matrix.runnable.map((c) => c.spec.runtime))).toEqual(new Set(["local"]));
    const variants = new Set(matrix.runnable.map((c) => c.variant));
    for (const variant of ["quorum-abd", "quorum-nwr", "quorum-w1-r1", "quorum-write-all", "twopc-2pc", "twopc-3pc", "raft"]) expect(variants).toContain(variant);
    // Quorum has no bank client and twopc no register client; only twopc's nodes report prepared
    // transactions for the reactive cut: those cells, and only those, are skipped.
    const noClient = (c: { system: string; workload: string }) => (c.system === "quorum" && c.workload === "bank") || (c.system === "twopc" && c.workload === "register");
    const noPrepared = (c: { system: string; nemesis: string }) => c.system !== "twopc" && c.nemesis === "reactive:isolate-prepared-participant";
    expect(matrix.skipped.every((c) => noClient(c) || noPrepared(c))).toBe(true);
    expect(matrix.runnable.filter((c) => c.nemesis.startsWith("reactive:")).map((c) => c.variant)).toEqual(["twopc-2pc", "twopc-3pc"]);
    expect(matrix.runnable.filter((c) => c.system === "quorum").every((c) => c.workload === "register")).toBe(true);
    expect(matrix.runnable.filter((c) => c.system === "twopc").every((c) => c.workload === "bank")).toBe(true);
  });
});

describe(".github/workflows/nightly.yml", () => {
  const path = join(REPO_ROOT, ".github/workflows/nightly.yml");
  type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string };
  type Job = { "runs-on": string; needs?: string | string[]; if?: string; strategy?: { matrix: Record<string, unknown>; "fail-fast"?: boolean }; steps: Step[]; "timeout-minutes"?: number };
  const workflow = parse(readFileSync(path, "utf8")) as { name: string; on: { schedule: { cron: string }[]; workflow_dispatch?: unknown }; env: Record<string, string | number>; jobs: Record<string, Job> };
  const runText = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");

  it("runs nightly on a schedule, and on demand", () => {
    expect(workflow.on.schedule).toHaveLength(1);
    const fields = workflow.on.schedule[0].cron.split(" ");
    expect(fields).toHaveLength(5);
    expect(fields.slice(2)).toEqual(["*", "*", "*"]);
    expect(Object.keys(workflow.on)).toContain("workflow_dispatch");
  });

  it("every job runs somewhere with steps, each step a `uses` pinned to a version or a `run`", () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect(job["runs-on"], name).toMatch(/^ubuntu-/);
      expect(job["timeout-minutes"], name).toBeGreaterThan(0);
      for (const step of job.steps) {
        expect(Boolean(step.uses) !== Boolean(step.run), `${name}: ${JSON.stringify(step)}`).toBe(true);
        if (step.uses) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
      }
    }
  });

  it("shards the suite as a matrix whose entries agree with --shard i/n, and the suite file exists", () => {
    const suite = workflow.jobs.suite;
    const shards = suite.strategy?.matrix.shard as number[];
    const count = Number(workflow.env.SHARDS);
    expect(shards).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(suite.strategy?.["fail-fast"]).toBe(false);
    expect(runText(suite)).toContain(`--shard "\${{ matrix.shard }}/$SHARDS"`);
    expect(runText(suite)).toMatch(/--junit "junit\/cap-\$\{\{ matrix\.shard \}\}\.xml"/);
    expect(existsSync(join(REPO_ROOT, String(workflow.env.SUITE)))).toBe(true);
    // Every cell of the suite lands in exactly one of the shards the workflow starts.
    const matrix = expandMatrix(readSuiteFile(join(REPO_ROOT, String(workflow.env.SUITE))), catalog());
    const ids = shards.flatMap((index) => shardOf(matrix, { index, count }).runnable.map((c) => c.id));
    expect(ids.slice().sort()).toEqual(matrix.runnable.map((c) => c.id).sort());
  });

  it("uploads each shard's JUnit and store as artifacts, whatever the verdict", () => {
    const uploads = workflow.jobs.suite.steps.filter((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(uploads.map((s) => s.with?.path)).toEqual(["junit/", "store/"]);
    for (const upload of uploads) expect(upload.if).toBe("always()");
  });

  it("merges: after every shard, downloads them all, joins them with suite --merge, reports the JUnit, uploads the result", () => {
    const merge = workflow.jobs.merge;
    expect(merge.needs).toBe("suite");
    expect(merge.if).toBe("always()");
    const uses = merge.steps.map((s) => s.uses?.split("@")[0]);
    expect(uses).toContain("actions/download-artifact");
    expect(runText(merge)).toContain(`faultline.js suite "$SUITE" --merge shards/store-cap-*/suites/cap/*/ --store shards/merged --junit shards/cap.xml`);
    const report = merge.steps.find((s) => s.uses?.startsWith("mikepenz/action-junit-report@"));
    expect(report?.with?.report_paths).toBe("shards/cap.xml");
    expect(String(merge.steps.at(-1)?.with?.path)).toContain("shards/compare.html");
  });
});

describe("faultline suite and compare refuse bad input in one line, before running anything", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-suite-input-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it.each([
    [["suite", "/nonexistent/suite.yaml", "--store", "STORE"], /cannot read suite file \/nonexistent\/suite.yaml: ENOENT/],
    [["suite", "suites/smoke.yaml", "--shard", "3/2", "--store", "STORE"], /--shard "3\/2" must be i\/n with 1 ≤ i ≤ n/],
    [["suite", "SUITE_BAD_BUG", "--store", "STORE"], /cell raft\/register\/none\/1: unknown bug for raft "nope"/],
    [["suite", "SUITE_NO_SYSTEMS", "--store", "STORE"], /has no systems list/],
    [["suite", "SUITE_OK", "--resume", "--store", "STORE"], /--resume: no unfinished run of suite ok/],
    [["suite", "SUITE_OK", "--db", "http://x", "--store", "STORE"], /must be a PostgreSQL URL/],
    [["compare", "/nonexistent-run-dir"], /compare: \/nonexistent-run-dir is not a folder/],
    [["compare", "DIR"], /neither a run folder .* nor a suite folder/],
  ])("%j", async (args, message) => {
    const substitutions: Record<string, string> = {
      SUITE_BAD_BUG: file("bad-bug.yaml", "systems: [{ system: raft, bug: nope }]\n"),
      SUITE_NO_SYSTEMS: file("no-systems.yaml", "workloads: [register]\n"),
      SUITE_OK: file("ok.yaml", "systems: [raft]\n"),
      STORE: join(dir, "store"),
      DIR: dir,
    };
    const result = await faultline(args.map((arg) => substitutions[arg] ?? arg));
    expect(result.code, result.stderr).toBe(254);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(existsSync(join(dir, "store", "suites"))).toBe(false);
  });
});
