// `faultline suite`, `compare` and `serve` end to end on the local runtime, sharing one store:
//
// - a 2×2 suite (our Raft healthy and with the stale-read bug × seeds 1, 2; 3 nodes, 4 s, partitions)
//   run as --shard 1/2 and --shard 2/2: together they run every cell exactly once;
// - shard 2/2 is stopped with SIGINT during its second run: exit 130, the finished run kept, the
//   resume command printed; running that command finishes the shard in the same suite folder;
// - the JUnit XML of both shards is accepted by a JUnit parser, a refuted claim the system makes is
//   a failure and the healthy runs' linearizability cases pass;
// - `faultline compare` over both suite folders links every run's report;
// - `faultline serve` answers its pages over HTTP, filters, refuses paths outside the store, and
//   renders a run full of markup inert; in Chromium (playwright-core, Debian's browser) the
//   comparison page and serve's pages show no console error and their links open the runs.
//   Screenshots go to test-artifacts/suite/ (git-ignored).

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SuiteRecord } from "../../harness/run/suite/suite-record.ts";
import { CHROMIUM_PATH, launchChromium, type LaunchedChromium } from "../support/chromium.ts";
import { faultline, REPO_ROOT, spawnFaultline } from "../support/cli.ts";
import { missing } from "../support/installed.ts";
import { waitFor, watchHarness, type Harness } from "./run-probes.ts";

const work = mkdtempSync(join(tmpdir(), "faultline-suite-e2e-"));
const store = join(work, "store");
const suiteFile = join(work, "two-by-two.yaml");
const junit = (shard: number) => join(work, `junit-${shard}.xml`);
const ARTIFACTS = join(REPO_ROOT, "test-artifacts", "suite");
const HOSTILE = `<img src=x onerror="window.__pwned=1">`;

writeFileSync(
  suiteFile,
  `# A 2×2 matrix: our Raft healthy and with a bug, two seeds.
name: two-by-two
nodes: 3
time: 4
recovery: 1
concurrency: 6
# Few keys: reads meet recent writes often, so a stale read shows within 4 s.
keys: 3
nemeses: [partition]
systems:
  - raft
  - { system: raft, bug: stale-read, as: raft-stale-read }
workloads: [register]
seeds: [1, 2]
`,
);

const CELLS = ["raft/register/partition/1", "raft/register/partition/2", "raft-stale-read/register/partition/1", "raft-stale-read/register/partition/2"];

afterAll(() => rmSync(work, { recursive: true, force: true }));

interface JunitCase {
  "@_name": string;
  failure?: unknown;
  skipped?: unknown;
  error?: unknown;
}
interface JunitSuite {
  "@_name": string;
  testcase: JunitCase[];
}

function readJunit(path: string): JunitSuite[] {
  const xml = readFileSync(path, "utf8");
  expect(XMLValidator.validate(xml)).toBe(true);
  const parsed = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "testsuite" || name === "testcase" }).parse(xml) as { testsuites: { testsuite?: JunitSuite[] } };
  return parsed.testsuites.testsuite ?? [];
}

function suiteDirs(): string[] {
  const root = join(store, "suites", "two-by-two");
  return readdirSync(root)
    .filter((name) => /^\d{8}T/.test(name))
    .map((name) => join(root, name))
    .sort();
}

function record(dir: string): SuiteRecord {
  return JSON.parse(readFileSync(join(dir, "suite.json"), "utf8")) as SuiteRecord;
}

const cellOf = (suiteName: string) => suiteName.replace(/^two-by-two: /, "");

describe("faultline suite: a 2×2 matrix on the local runtime, in two shards", () => {
  it("shard 1/2 runs its half and writes JUnit XML", async () => {
    const result = await faultline(["suite", suiteFile, "--shard", "1/2", "--store", store, "--junit", junit(1)], { timeoutMs: 150_000 });
    expect([0, 1, 2], result.stderr).toContain(result.code);
    expect(result.stderr).toMatch(/\[0\/2\] \d+s elapsed, ETA ~\d+s · 0 valid, 0 invalid, 0 unknown · running raft\/register\/partition\/1/);
    expect(result.stderr).toMatch(/\[1\/2\] \d+s elapsed, ETA \d+s · \d valid, \d invalid, \d unknown/);
    expect(result.stdout).toMatch(/junit: .*junit-1\.xml/);
  }, 180_000);

  it("shard 2/2 stopped by SIGINT keeps its finished run and says how to resume; resuming finishes it", async () => {
    const harness: Harness = watchHarness(spawnFaultline(["suite", suiteFile, "--shard", "2/2", "--store", store, "--junit", junit(2)]));
    const killer = setTimeout(() => harness.child.kill("SIGKILL"), 170_000);
    try {
      await waitFor("the second run of shard 2/2 to start", () => (/running raft-stale-read\/register\/partition\/2/.test(harness.stderr()) ? true : undefined), 120_000, harness.lastWords);
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 2500));
      harness.child.kill("SIGINT");
      const ended = await harness.exited;
      expect(ended.code, harness.stderr()).toBe(130);
    } finally {
      clearTimeout(killer);
    }
    const stderr = harness.stderr();
    expect(stderr).toMatch(/interrupted after 1 of 2 runs .*every finished run is kept in /);
    const resume = /resume with: (.*)$/m.exec(stderr)?.[1];
    expect(resume).toBe(`faultline suite ${suiteFile} --shard 2/2 --store ${store} --junit ${junit(2)} --resume`);
    const [, shardTwo] = suiteDirs();
    const stopped = record(shardTwo);
    expect(stopped.status).toBe("interrupted");
    expect(stopped.cells.map((c) => c.status)).toEqual(["done", "interrupted"]);
    const keptRun = stopped.cells[0].run;
    expect(existsSync(join(store, keptRun as string, "results.json"))).toBe(true);
    expect(existsSync(join(store, stopped.cells[1].run as string, "history.jsonl"))).toBe(true);

    const resumed = await faultline((resume as string).split(" ").slice(1), { timeoutMs: 150_000 });
    expect([0, 1, 2], resumed.stderr).toContain(resumed.code);
    expect(resumed.stderr).toContain(`resuming ${shardTwo}: 1 of 2 runs already finished`);
    expect(suiteDirs()).toHaveLength(2);
    const finished = record(shardTwo);
    expect(finished.status).toBe("finished");
    expect(finished.cells.map((c) => c.status)).toEqual(["done", "done"]);
    expect(finished.cells[0].run).toBe(keptRun);
    expect(finished.cells[1].run).not.toBe(stopped.cells[1].run);
  }, 330_000);

  it("the two shards ran every cell exactly once, and their JUnit says so with the expected pass/fail", () => {
    const records = suiteDirs().map(record);
    const ran = records.flatMap((r) => r.cells.map((c) => c.id));
    expect(ran.slice().sort()).toEqual(CELLS.slice().sort());
    expect(records.every((r) => r.matrixCells === 4)).toBe(true);

    const suites = [...readJunit(junit(1)), ...readJunit(junit(2))];
    expect(suites.map((s) => cellOf(s["@_name"])).sort()).toEqual(CELLS.slice().sort());
    const linearizable = (cell: string) => suites.find((s) => cellOf(s["@_name"]) === cell)?.testcase.find((c) => c["@_name"] === "linearizable (register workload)");
    const cells = records.flatMap((r) => r.cells);
    for (const cell of cells) {
      const claimed = (cell.claims ?? []).filter((c) => c.claimed && c.verdict === "refuted").length;
      const suite = suites.find((s) => cellOf(s["@_name"]) === cell.id) as JunitSuite;
      expect(suite.testcase.filter((c) => c.failure !== undefined), cell.id).toHaveLength(claimed);
    }
    // Healthy Raft is never invalid; a short run may be unknown (an op type that never completed
    // ok, Jepsen's stats rule), which JUnit shows as skipped, not failed.
    for (const healthy of CELLS.filter((c) => c.startsWith("raft/"))) {
      expect(cells.find((c) => c.id === healthy)?.valid, healthy).not.toBe(false);
      expect(linearizable(healthy)?.failure, healthy).toBeUndefined();
    }
    // The bug is caught by at least one of the two seeds (measured: both, in runs of 4–5 s).
    const caught = CELLS.filter((c) => c.startsWith("raft-stale-read/") && linearizable(c)?.failure !== undefined);
    expect(caught.length, `stale-read caught by ${caught.join(", ") || "neither seed"}`).toBeGreaterThan(0);
  });

  it("suite --merge joins the shards into one folder, and names the cells a shard did not run", async () => {
    const [one, two] = suiteDirs();
    const merged = await faultline(["suite", suiteFile, "--merge", one, two, "--store", join(work, "merged"), "--junit", join(work, "merged.xml")]);
    expect([0, 1, 2], merged.stderr).toContain(merged.code);
    expect(merged.stderr).toContain("merged 2 shard folders: 4 of 4 runnable cells ran");
    const suites = readJunit(join(work, "merged.xml"));
    expect(suites.map((s) => cellOf(s["@_name"])).sort()).toEqual(CELLS.slice().sort());
    expect(suites.flatMap((s) => s.testcase).filter((c) => c.error !== undefined)).toEqual([]);

    const half = await faultline(["suite", suiteFile, "--merge", one, "--store", join(work, "merged-half")]);
    // Missing cells count as unknown; a refuted run in the half that ran still makes it invalid.
    expect([1, 2]).toContain(half.code);
    expect(half.stderr).toMatch(/no shard ran 2 cells: raft\/register\/partition\/2, raft-stale-read\/register\/partition\/2/);
  }, 60_000);

  it("writes a comparison into each suite folder, and faultline compare joins both shards", async () => {
    for (const dir of suiteDirs()) expect(existsSync(join(dir, "compare.html"))).toBe(true);
    const out = join(work, "pages", "compare.html");
    mkdirSync(dirname(out), { recursive: true });
    const result = await faultline(["compare", ...suiteDirs(), "-o", out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("(4 runs of 2 systems)");
    const html = readFileSync(out, "utf8");
    const links = [...html.matchAll(/<a class="run" href="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toHaveLength(4);
    for (const link of links) expect(existsSync(resolve(dirname(out), decodeURIComponent(link))), link).toBe(true);
  }, 60_000);
});

/** A copy of a real run, with markup wherever a system under test could put text. */
function plantHostileRun(): string {
  const [source] = suiteDirs().flatMap((dir) => record(dir).cells.map((c) => join(store, c.run as string)));
  const dir = join(store, "hostile-test", "20990101T000000");
  cpSync(source, dir, { recursive: true });
  const testJson = JSON.parse(readFileSync(join(dir, "test.json"), "utf8"));
  testJson.spec.bugs = [HOSTILE];
  testJson.spec.workload = `register${HOSTILE}`;
  testJson.startedAt = "2099-01-01T00:00:00.000Z";
  writeFileSync(join(dir, "test.json"), JSON.stringify(testJson));
  const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
  results.valid = false;
  results.claims = [{ claim: `linearizable ${HOSTILE}`, claimed: true, verdict: "refuted", decidedBy: HOSTILE, evidence: `read ${HOSTILE}` }];
  results.workload = { ...results.workload, anomalies: { [HOSTILE]: [{ explanation: HOSTILE }] } };
  writeFileSync(join(dir, "results.json"), JSON.stringify(results));
  return dir;
}

describe("faultline serve", () => {
  let server: Harness;
  let base: string;

  beforeAll(async () => {
    plantHostileRun();
    server = watchHarness(spawnFaultline(["serve", "--store", store, "--port", "0"]));
    base = await waitFor("serve to listen", () => /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(server.stdout())?.[1], 60_000, server.lastWords);
  }, 90_000);
  afterAll(async () => {
    server?.child.kill("SIGTERM");
    await server?.exited;
  });

  const get = async (path: string, init?: RequestInit) => {
    const response = await fetch(new URL(path, base), init);
    return { status: response.status, type: response.headers.get("content-type") ?? "", text: await response.text() };
  };

  it("binds to 127.0.0.1 by default", () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it("lists runs with links to their reports, and filters by system, verdict and date", async () => {
    const all = await get("/");
    expect(all.status).toBe(200);
    expect(all.text).toMatch(/6 of 6 runs/);
    const reports = [...all.text.matchAll(/<a class="report" href="([^"]+)"/g)].map((m) => m[1]);
    expect(reports.length).toBeGreaterThanOrEqual(5);
    for (const report of reports) expect((await get(report)).status, report).toBe(200);
    expect((await get("/?verdict=false&system=raft")).text).toMatch(/\d of 6 runs/);
    const future = await get("/?from=2099-01-01");
    expect(future.text).toMatch(/1 of 6 runs/);
    expect((await get("/?to=2000-01-01")).text).toContain("No runs match this filter");
  });

  it("renders markup from a run inert", async () => {
    const page = await get("/?from=2099-01-01");
    expect(page.text).not.toContain("<img");
    expect(page.text).toContain("&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;");
    const compared = await get(`/compare?run=${encodeURIComponent("hostile-test/20990101T000000")}`);
    expect(compared.status).toBe(200);
    expect(compared.text).not.toContain("<img");
    expect(compared.text).toContain('href="/store/hostile-test/20990101T000000/report.html"');
  });

  it("lists suites with their comparison and JUnit, and serves them from the store", async () => {
    const page = await get("/suites");
    const compares = [...page.text.matchAll(/<a class="compare" href="([^"]+)"/g)].map((m) => m[1]);
    expect(compares).toHaveLength(2);
    const compare = await get(compares[0]);
    expect(compare.status).toBe(200);
    expect(compare.type).toContain("text/html");
    // Its links are relative to the suite folder, so they resolve inside /store/ too.
    for (const link of [...compare.text.matchAll(/<a class="run" href="([^"]+)"/g)].map((m) => m[1])) {
      expect((await get(new URL(link, new URL(compares[0], base)).pathname)).status, link).toBe(200);
    }
    expect((await get(compares[0].replace("compare.html", "junit.xml"))).type).toContain("xml");
  });

  it("compares runs picked on the runs page", async () => {
    const runs = [...(await get("/")).text.matchAll(/name="run" value="([^"]+)"/g)].map((m) => m[1]).slice(0, 2);
    const page = await get(`/compare?${runs.map((r) => `run=${encodeURIComponent(r)}`).join("&")}`);
    expect(page.status).toBe(200);
    expect([...page.text.matchAll(/<a class="run" href="\/store\//g)]).toHaveLength(2);
  });

  it("serves nothing outside the store, and only reads", async () => {
    expect((await get("/store/%2e%2e/%2e%2e/etc/passwd")).status).toBe(404);
    expect((await get("/store/..%2f..%2fetc%2fpasswd")).status).toBe(404);
    expect((await get("/compare?run=..%2F..%2Fetc")).status).toBe(404);
    expect((await get("/", { method: "POST" })).status).toBe(405);
    expect((await get("/no-such-page")).status).toBe(404);
  });

  it("says how to get trends without a database", async () => {
    expect((await get("/trends")).text).toContain("faultline serve --db postgres://");
  });

  describe.skipIf(missing(CHROMIUM_PATH !== undefined, "Chromium (/usr/bin/chromium)", ".ci/run (apt-get install chromium)"))("in Chromium", () => {
    let chromium: LaunchedChromium;

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      chromium = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await chromium?.close();
    });

    /** A page whose console errors, uncaught exceptions and dialogs are collected. */
    async function open(url: string): Promise<{ page: Page; problems: string[] }> {
      const page = await chromium.context.newPage();
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console error: ${message.text()}`);
      });
      page.on("pageerror", (err) => problems.push(`uncaught: ${err.message}`));
      page.on("dialog", (dialog) => {
        problems.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });
      await page.goto(url, { waitUntil: "load" });
      return { page, problems };
    }

    it("the comparison page opens offline without errors, filters, and its links open the runs", async () => {
      const { page, problems } = await open(`file://${join(work, "pages", "compare.html")}`);
      expect(await page.locator("table.compare tbody tr").count()).toBe(4);
      expect(await page.locator("svg.cap circle").count()).toBeGreaterThan(0);
      await page.fill("#filter", "stale");
      expect(await page.locator("table.compare tbody tr:visible").count()).toBe(2);
      await page.fill("#filter", "");
      await page.screenshot({ path: join(ARTIFACTS, "compare.png"), fullPage: true });
      expect(problems).toEqual([]);
      const links = page.locator("a.run");
      for (let i = 0; i < (await links.count()); i++) {
        const href = (await links.nth(i).getAttribute("href")) as string;
        await Promise.all([page.waitForURL(/report\.html$/), links.nth(i).click()]);
        expect(page.url()).toBe(new URL(href, `file://${join(work, "pages")}/`).href);
        expect(await page.locator("h1").first().textContent()).toContain("register-partition");
        await page.goBack();
      }
      await page.close();
    }, 120_000);

    it("serve's pages show no errors, run no planted markup, and open reports and comparisons", async () => {
      // The profile is offline for file:// pages; serve is on loopback, and nothing else may load.
      await chromium.context.setOffline(false);
      const elsewhere: string[] = [];
      await chromium.context.route(
        (url) => !url.href.startsWith(base),
        (route) => {
          elsewhere.push(route.request().url());
          return route.abort();
        },
      );
      const runs = await open(base);
      await runs.page.screenshot({ path: join(ARTIFACTS, "serve-runs.png"), fullPage: true });
      expect(await runs.page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      await runs.page.selectOption("select[name=system]", "raft");
      await Promise.all([runs.page.waitForURL(/system=raft/), runs.page.click("button[type=submit] >> text=Filter")]);
      // Every run is our Raft's: four finished, one interrupted, the planted one.
      expect(await runs.page.locator("tbody tr").count()).toBe(6);
      const boxes = runs.page.locator("input[name=run]");
      await boxes.nth(0).check();
      await boxes.nth(1).check();
      await Promise.all([runs.page.waitForURL(/\/compare\?run=/), runs.page.click("text=Compare selected")]);
      expect(await runs.page.locator("table.compare tbody tr").count()).toBe(2);
      await runs.page.screenshot({ path: join(ARTIFACTS, "serve-compare.png"), fullPage: true });
      await Promise.all([runs.page.waitForURL(/\/store\/.*report\.html$/), runs.page.locator("a.run").first().click()]);
      expect(await runs.page.locator("h1").first().textContent()).toContain("register-partition");
      expect(runs.problems).toEqual([]);
      await runs.page.close();

      const hostile = await open(new URL(`/compare?run=${encodeURIComponent("hostile-test/20990101T000000")}`, base).href);
      await hostile.page.screenshot({ path: join(ARTIFACTS, "serve-hostile.png"), fullPage: true });
      expect(await hostile.page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await hostile.page.locator("img").count()).toBe(0);
      expect(hostile.problems).toEqual([]);
      await hostile.page.close();

      const suites = await open(new URL("/suites", base).href);
      await Promise.all([suites.page.waitForURL(/compare\.html$/), suites.page.locator("a.compare").first().click()]);
      await suites.page.screenshot({ path: join(ARTIFACTS, "serve-suite-compare.png"), fullPage: true });
      await Promise.all([suites.page.waitForURL(/report\.html$/), suites.page.locator("a.run").first().click()]);
      expect(suites.problems).toEqual([]);
      await suites.page.close();
      expect(elsewhere).toEqual([]);
    }, 120_000);
  });
});
