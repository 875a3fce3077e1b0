// The results database against a real PostgreSQL 15 that this test starts (our postgres system on
// the local runtime, as a run would: initdb, the server as a non-root user, trust auth):
// migrations create the schema once and are a no-op again; `faultline run --db` and
// `faultline suite --db` write each run's spec, verdict, claims, counts and availability;
// recording a run again updates it instead of adding one; a database that is down costs one
// warning line and nothing else; `faultline serve --db` shows the trend of a system × claim.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime } from "../../clusters/runtime/local/local-runtime.ts";
import { missingRequirements } from "../../clusters/lifecycle/preflight.ts";
import { postgresSystem } from "../../clusters/postgres/system.ts";
import type { ClusterContext } from "../../clusters/system.ts";
import { Rng } from "../../harness/rng.ts";
import { ResultsDb } from "../../harness/run/results-db/results-db.ts";
import type { TestSpec } from "../../harness/spec/test-spec.ts";
import { CHROMIUM_PATH, launchChromium } from "../support/chromium.ts";
import { faultline, REPO_ROOT, spawnFaultline } from "../support/cli.ts";
import { missing } from "../support/installed.ts";
import { waitFor, watchHarness, type Harness } from "./run-probes.ts";

const absent = missingRequirements(postgresSystem, {}).map((r) => r.program);
const work = mkdtempSync(join(tmpdir(), "faultline-results-db-"));
// A root harness runs the server as the postgres user, which must be able to enter the folder.
chmodSync(work, 0o755);
const store = join(work, "store");

const SUITE = `name: nightly-db
nodes: 3
time: 2
recovery: 1
concurrency: 4
systems: [raft]
workloads: [register, set]
nemeses: [partition]
seeds: [7]
`;

describe.skipIf(missing(absent.length === 0, "PostgreSQL 15 (/usr/lib/postgresql/15/bin)", "scripts/install-postgres.sh"))("results database on a real PostgreSQL", () => {
  let runtime: LocalRuntime;
  let ctx: ClusterContext;
  let url: string;
  let sql: postgres.Sql;

  beforeAll(async () => {
    runtime = await LocalRuntime.create({ nodes: ["n1"], dir: join(work, "pg"), seed: 1 });
    ctx = { runtime, nodes: ["n1"], bugs: [], options: {}, rng: new Rng(1), log: () => {} };
    await postgresSystem.setup(ctx);
    url = `postgres://postgres@127.0.0.1:${runtime.node("n1").clientPort}/postgres`;
    sql = postgres(url, { max: 1, onnotice: () => {} });
    writeFileSync(join(work, "nightly-db.yaml"), SUITE);
  }, 90_000);

  afterAll(async () => {
    await sql?.end({ timeout: 1 });
    if (ctx) await postgresSystem.teardown(ctx);
    await runtime?.teardown();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it("migrates once: the schema and its migrations table; a second migration applies nothing", async () => {
    const db = new ResultsDb(url, { warn: (line) => expect.fail(line) });
    expect(await db.migrate()).toEqual([1]);
    expect(await db.migrate()).toEqual([]);
    await db.close();
    const [{ count }] = await sql<{ count: string }[]>`select count(*) from faultline_migrations`;
    expect(Number(count)).toBe(1);
    const tables = await sql<{ table_name: string }[]>`select table_name from information_schema.tables where table_name like 'faultline_%' order by table_name`;
    expect(tables.map((t) => t.table_name)).toEqual(["faultline_claims", "faultline_migrations", "faultline_runs"]);
  });

  it("faultline run --db writes the run: spec, verdict, claims, counts, availability", async () => {
    const result = await faultline(["run", "--system", "raft", "--nodes", "3", "--time", "3", "--nemesis-interval", "1", "--recovery", "1", "--nemesis", "partition", "--seed", "3", "--store", store, "--db", url], { timeoutMs: 120_000 });
    expect([0, 1, 2], result.stderr).toContain(result.code);
    expect(result.stderr).not.toContain("warning");
    const runs = await sql`select * from faultline_runs`;
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(run).toMatchObject({ system: "raft", workload: "register", nemesis: "partition", nodes: 3, runtime: "local", valid: ["0", "1"].includes(String(result.code)) ? (result.code === 0 ? "true" : "false") : "unknown" });
    expect(Number(run.seed)).toBe(3);
    expect((run.spec as TestSpec).timeS).toBe(3);
    expect(run.client_ops).toBeGreaterThan(0);
    expect(run.ok_ops + run.fail_ops + run.info_ops).toBe(run.client_ops);
    expect(run.availability).toBeGreaterThan(0);
    expect(run.minority_ops).not.toBeNull();
    expect(run.p99_ms).toBeGreaterThan(0);
    const results = JSON.parse(readFileSync(join(store, run.run_path as string, "results.json"), "utf8")) as { claims: { claim: string; verdict: string }[] };
    const claims = await sql<{ claim: string; verdict: string }[]>`select claim, verdict from faultline_claims where run_id = ${run.id} order by position`;
    expect(claims.map((c) => [c.claim, c.verdict])).toEqual(results.claims.map((c) => [c.claim, c.verdict]));
  }, 150_000);

  it("faultline suite --db writes every run with its suite; recording a run again updates it", async () => {
    const result = await faultline(["suite", join(work, "nightly-db.yaml"), "--store", store, "--db", url], { timeoutMs: 150_000 });
    expect([0, 1, 2], result.stderr).toContain(result.code);
    expect(result.stderr).not.toContain("warning");
    const runs = await sql<{ id: string; run_path: string; suite_cell: string; workload: string; lost_writes: number | null }[]>`select id, run_path, suite_cell, workload, lost_writes from faultline_runs where suite = 'nightly-db' order by suite_cell`;
    expect(runs.map((r) => r.suite_cell)).toEqual(["raft/register/partition/7", "raft/set/partition/7"]);
    // The set workload's lost writes are a number (0 for our Raft), the register's not measured.
    expect(runs.find((r) => r.workload === "set")?.lost_writes).toBe(0);
    expect(runs.find((r) => r.workload === "register")?.lost_writes).toBeNull();

    const again = new ResultsDb(url, { warn: (line) => expect.fail(line) });
    const runPath = runs[0].run_path;
    const spec = (JSON.parse(readFileSync(join(store, runPath, "test.json"), "utf8")) as { spec: TestSpec }).spec;
    const results = JSON.parse(readFileSync(join(store, runPath, "results.json"), "utf8"));
    again.record({ runDir: join(store, runPath), store, spec, results });
    await again.close();
    expect(again.written).toBe(1);
    const rows = await sql<{ suite: string | null }[]>`select suite from faultline_runs where run_path = ${runPath}`;
    // One row still, and still the suite's.
    expect(rows).toEqual([{ suite: "nightly-db" }]);
  }, 180_000);

  it("a database that is down costs one warning line; the runs are on disk and the exit code is the verdict's", async () => {
    const downStore = join(work, "down-store");
    const result = await faultline(["suite", join(work, "nightly-db.yaml"), "--store", downStore, "--db", "postgres://faultline:secret@127.0.0.1:1/nowhere"], { timeoutMs: 150_000 });
    expect([0, 1, 2], result.stderr).toContain(result.code);
    const warnings = result.stderr.split("\n").filter((line) => line.includes("warning"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/results database postgres:\/\/faultline:\*\*\*@127\.0\.0\.1:1\/nowhere not written \(.*ECONNREFUSED/);
    expect(result.stderr).not.toContain("secret");
    const suiteJson = JSON.parse(readFileSync(result.stdout.match(/suite nightly-db: (\S+suite\.json)/)?.[1] as string, "utf8")) as { cells: { status: string; run: string }[] };
    expect(suiteJson.cells.map((c) => c.status)).toEqual(["done", "done"]);
    for (const cell of suiteJson.cells) expect(existsSync(join(downStore, cell.run, "results.json"))).toBe(true);
  }, 180_000);

  it("refuses a --db that is not a PostgreSQL URL before anything runs", async () => {
    const result = await faultline(["run", "--system", "raft", "--db", "mysql://x@y/z", "--store", join(work, "unused")]);
    expect(result.code).toBe(254);
    expect(result.stderr).toContain("must be a PostgreSQL URL");
    expect(existsSync(join(work, "unused"))).toBe(false);
  });

  describe("faultline serve --db", () => {
    let server: Harness;
    let base: string;
    beforeAll(async () => {
      server = watchHarness(spawnFaultline(["serve", "--store", store, "--db", url, "--port", "0"]));
      base = await waitFor("serve to listen", () => /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(server.stdout())?.[1], 60_000, server.lastWords);
    }, 90_000);
    afterAll(async () => {
      server?.child.kill("SIGTERM");
      await server?.exited;
    });

    it("lists every system × claim and shows a trend page per pair, linking runs in the store", async () => {
      const trends = await (await fetch(new URL("/trends", base))).text();
      const links = [...trends.matchAll(/<a class="trend" href="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, "&"));
      expect(links.length).toBeGreaterThanOrEqual(3);
      const register = links.find((link) => link.includes(encodeURIComponent("linearizable (register workload)"))) as string;
      const page = await fetch(new URL(register, base));
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('aria-label="trend"');
      // The run of `faultline run --db` and the suite's register run.
      expect([...html.matchAll(/<a href="\/store\/[^"]+\/report.html">report<\/a>/g)]).toHaveLength(2);
      expect((await fetch(new URL("/trends/view?system=raft&claim=no-such-claim", base))).status).toBe(404);
    });

    it.skipIf(CHROMIUM_PATH === undefined)("the trend pages show no errors in Chromium, and a trend's report link opens the run", async () => {
      const chromium = await launchChromium();
      try {
        await chromium.context.setOffline(false);
        const page = await chromium.context.newPage();
        const problems: string[] = [];
        page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
        page.on("pageerror", (err) => problems.push(err.message));
        await page.goto(new URL("/trends", base).href);
        await Promise.all([page.waitForURL(/\/trends\/view\?/), page.locator("a.trend", { hasText: "linearizable (register workload)" }).click()]);
        expect(await page.locator("svg.trend circle").count()).toBe(2);
        const artifacts = join(REPO_ROOT, "test-artifacts", "suite");
        mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: join(artifacts, "serve-trend.png"), fullPage: true });
        await Promise.all([page.waitForURL(/report\.html$/), page.locator("a", { hasText: "report" }).first().click()]);
        expect(problems).toEqual([]);
      } finally {
        await chromium.close();
      }
    }, 60_000);
  });
});
