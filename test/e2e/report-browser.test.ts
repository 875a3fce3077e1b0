// Report pages in a real browser (Debian's Chromium through playwright-core, DESIGN §4.5): a run
// report and `faultline check --report` pages open from file:// with no console error and no
// request, their Vega plots draw, the timeline's hover shows the op under the pointer, and a
// history full of markup renders inert. Screenshots go to test-artifacts/reports/ (git-ignored),
// which CI uploads.

import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { raftSystem } from "../../clusters/raft/system.ts";
import type { Op } from "../../harness/op.ts";
import { catalog } from "../../harness/run/registry.ts";
import { buildSpec } from "../../harness/spec/build-spec.ts";
import { judgeRun } from "../../harness/verdicts/judge.ts";
import { renderCheckReport, renderRunReport } from "../../reports/run-report.ts";
import { registerWorkload } from "../../workloads/register.ts";
import { CHROMIUM_PATH, launchChromium, type LaunchedChromium } from "../support/chromium.ts";
import { faultline, REPO_ROOT } from "../support/cli.ts";
import { missing } from "../support/installed.ts";
import { reportHistory } from "../support/report-history.ts";

const ARTIFACTS = join(REPO_ROOT, "test-artifacts", "reports");
const HOSTILE = "<img src=x onerror=alert(1)>";

interface Opened {
  page: Page;
  /** Console errors and warnings, uncaught exceptions, dialogs, and requests for anything but the page. */
  problems: string[];
}

/** The timeline and every plot mark themselves rendered (page code: this file has no DOM types). */
const RENDERED = `document.querySelectorAll("[data-rendered=true]").length === document.querySelectorAll("[data-vega-spec]").length + 1`;

const spec = buildSpec({}, { system: "raft", nemesis: "partition,kill", seed: "3", time: "1", nodes: "5" }, catalog());

describe.skipIf(missing(CHROMIUM_PATH !== undefined, "Chromium (/usr/bin/chromium)", ".ci/run (apt-get install chromium)"))("report pages in Chromium", () => {
  let chromium: LaunchedChromium;
  const dir = mkdtempSync(join(tmpdir(), "faultline-report-browser-"));

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    chromium = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
  });

  async function open(path: string): Promise<Opened> {
    const page = await chromium.context.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`uncaught: ${err.message}`));
    page.on("dialog", (dialog) => {
      problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
      void dialog.dismiss();
    });
    const url = `file://${path}`;
    page.on("request", (request) => {
      if (request.url() !== url) problems.push(`request: ${request.url()}`);
    });
    await page.goto(url, { waitUntil: "load" });
    // The timeline and both plots mark themselves rendered.
    await page.waitForFunction(RENDERED, null, { timeout: 30_000 });
    return { page, problems };
  }

  /** Canvas pixels that are not background: a plot that drew nothing has none. */
  async function inkedPixels(page: Page, selector: string): Promise<number> {
    return page.evaluate(`(() => {
      const c = document.querySelector(${JSON.stringify(selector)});
      const pixels = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let inked = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] > 0 && (pixels[i] < 200 || pixels[i + 1] < 200 || pixels[i + 2] < 200)) inked++;
      return inked;
    })()`);
  }

  async function hover(page: Page, op: Op): Promise<string> {
    await page.locator("#timeline").scrollIntoViewIfNeeded();
    const at = await page.evaluate<{ x: number; y: number } | null>(`window.faultlineTimeline.locate(${op.index})`);
    expect(at).not.toBeNull();
    const { x, y } = at as { x: number; y: number };
    await page.mouse.move(x - 20, y - 20);
    await page.mouse.move(x, y);
    const tip = page.locator("#timeline-tip");
    await tip.waitFor({ state: "visible", timeout: 5000 });
    return (await tip.textContent()) ?? "";
  }

  it("a run report: no console errors, both plots drawn, the timeline hover shows the op, the Porcupine view and partition layouts", async () => {
    const history = reportHistory({ ops: 3000, staleReads: true, seed: 7 });
    const results = judgeRun(spec, raftSystem, registerWorkload, history);
    expect(results.valid).toBe(false);
    const path = join(dir, "run-report.html");
    writeFileSync(path, await renderRunReport({ runDir: dir, spec, system: raftSystem, results, history }));
    const { page, problems } = await open(path);

    for (const plot of ["#plot-latency canvas", "#plot-throughput canvas"]) expect(await inkedPixels(page, plot)).toBeGreaterThan(2000);
    expect(await inkedPixels(page, "#timeline-canvas")).toBeGreaterThan(5000);

    // A write in the middle of the run, on a client process.
    const op = history.filter((o) => o.type === "invoke" && o.process !== "nemesis" && o.f === "write")[700];
    const text = await hover(page, op);
    expect(text).toContain(`op #${op.index} → #`);
    expect(text).toContain(`process ${String(op.process)}`);
    expect(text).toContain(`write key ${String(op.key)} ${JSON.stringify(op.value)}`);
    await page.locator("#timeline").screenshot({ path: join(ARTIFACTS, "run-report-timeline-hover.png") });

    expect(await page.locator(".porcupine svg").count()).toBeGreaterThan(0);
    expect(await page.locator(".porcupine").first().textContent()).toMatch(/cannot be placed; state before it: /);
    expect(await page.locator("svg.partition").count()).toBe(3);
    const windows = (await page.locator("details", { hasText: "Fault windows" }).first().textContent()) ?? "";
    expect(windows).toMatch(/partition ring (n\d-){5}n\d/);
    expect(windows).toMatch(/partition bridge n\d joins/);
    expect(await page.locator(".in-words").textContent()).toMatch(/^Faultline's Raft gave an answer no order of operations explains/);

    await page.screenshot({ path: join(ARTIFACTS, "run-report.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it(`a history whose values, errors and node names are ${HOSTILE} renders inert: no element, no script, no request`, async () => {
    const history = reportHistory({ ops: 1500, staleReads: true, seed: 11, hostile: HOSTILE });
    expect(history.some((op) => op.value === HOSTILE)).toBe(true);
    expect(history.some((op) => op.error === HOSTILE)).toBe(true);
    expect(history.some((op) => op.node === HOSTILE)).toBe(true);
    const runPath = join(dir, "hostile-run.html");
    writeFileSync(runPath, await renderRunReport({ runDir: dir, spec, system: raftSystem, results: judgeRun(spec, raftSystem, registerWorkload, history), history }));
    const checkPath = join(dir, "hostile-check.html");
    writeFileSync(checkPath, await renderCheckReport({ historyPath: `${HOSTILE}.jsonl`, workload: "register", results: registerWorkload.checker({}).check(history, {}), history }));

    for (const [name, path] of [["run", runPath], ["check", checkPath]]) {
      const { page, problems } = await open(path);
      expect(await page.evaluate(`document.querySelectorAll("img, iframe, object, embed").length`)).toBe(0);
      // The payload is on the page, as text.
      expect(await page.locator("main").textContent()).toContain(HOSTILE);
      // And in the timeline's hover, as text.
      const hostileOp = history.find((op) => op.type === "invoke" && op.value === HOSTILE) as Op;
      expect(await hover(page, hostileOp)).toContain(`write key ${String(hostileOp.key)} "${HOSTILE}"`);
      expect(await page.locator("#timeline-tip > *").count()).toBe(0);
      await page.screenshot({ path: join(ARTIFACTS, `hostile-${name}-report.png`), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    }
  }, 120_000);

  it("faultline check HISTORY --report FILE: a Jepsen log and an Elle history get the same self-contained page", async () => {
    const cases = [
      { file: "etcd-cas-register-bad.log", args: ["--workload", "register", "--model", "cas-register"], marker: ".porcupine svg" },
      { file: "elle-g-single.edn", args: ["--workload", "list-append"], marker: "ol.steps li" },
    ];
    for (const { file, args, marker } of cases) {
      const report = join(dir, `${file}.html`);
      const result = await faultline(["check", join(REPO_ROOT, "checkers/examples", file), ...args, "--report", report]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toContain(`report: ${report}`);
      expect(existsSync(report)).toBe(true);
      const { page, problems } = await open(report);
      expect(await page.locator(".badge.bad").first().textContent()).toBe("INVALID");
      expect(await page.locator(marker).count()).toBeGreaterThan(0);
      expect(await inkedPixels(page, "#timeline-canvas")).toBeGreaterThan(100);
      await page.screenshot({ path: join(ARTIFACTS, `check-${file}.png`), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    }
  }, 180_000);
});
