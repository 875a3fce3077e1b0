// How fast a big run report opens: a 100,000-op register history (5 nodes, a clean split, a
// majorities ring, a bridge and a kill, stale reads on the minority side so the Porcupine view is
// in it too) is judged and rendered to report.html, which Debian's Chromium then opens from
// file:// five times. "Open" is the page's own clock from navigation start until the timeline and
// both Vega plots have rendered and the main thread is next idle (requestIdleCallback). Target:
// under 3 s (Jepsen's timeline gives up at 10,000 ops).
//
// Also reported: the main thread's busy time while opening (Chromium's TaskDuration: on a shared,
// loaded machine the wall clock also counts waiting for a core; the load average is reported),
// the file's size and what it is made of, the render time in Node, and how the timeline keeps up
// with 100,000 ops: one hover (op lookup, highlight, tooltip) and one full redraw.

import { loadavg } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { raftSystem } from "../clusters/raft/system.ts";
import { catalog } from "../harness/run/registry.ts";
import { buildSpec } from "../harness/spec/build-spec.ts";
import { judgeRun } from "../harness/verdicts/judge.ts";
import { renderRunReport } from "../reports/run-report.ts";
import { vegaRuntime } from "../reports/vega-runtime.ts";
import { registerWorkload } from "../workloads/register.ts";
import { CHROMIUM_PATH, launchChromium } from "../test/support/chromium.ts";
import { reportHistory } from "../test/support/report-history.ts";
import type { BenchRow } from "./bench-row.ts";

const OPS = 100_000;
const OPENS = 5;
const TARGET_MS = 3000;
const OUT = join(dirname(fileURLToPath(import.meta.url)), "out");
const RENDERED = `document.querySelectorAll("[data-rendered=true]").length === 3`;
const IDLE_AT = `new Promise((resolve) => requestIdleCallback(() => resolve(performance.now()), { timeout: 10000 }))`;

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mb = (bytes: number) => bytes / 1024 / 1024;

async function renderReport(ops: number, seed: number): Promise<{ html: string; renderMs: number; entries: number }> {
  const history = reportHistory({ ops, staleReads: true, seed });
  const spec = buildSpec({}, { system: "raft", nemesis: "partition,kill", seed: String(seed), time: "60", nodes: "5" }, catalog());
  const results = judgeRun(spec, raftSystem, registerWorkload, history);
  const start = performance.now();
  const html = await renderRunReport({ runDir: OUT, spec, system: raftSystem, results, history });
  return { html, renderMs: performance.now() - start, entries: history.length };
}

export async function bench(): Promise<BenchRow[]> {
  if (!CHROMIUM_PATH) throw new Error("Chromium is not installed (apt-get install chromium)");
  mkdirSync(OUT, { recursive: true });
  const small = await renderReport(2_000, 2);
  const big = await renderReport(OPS, 1);
  const path = join(OUT, "report-100k-ops.html");
  writeFileSync(path, big.html);
  const dataStart = big.html.indexOf('<script type="application/json" id="faultline-data">');
  const dataBytes = Buffer.byteLength(big.html.slice(dataStart, big.html.indexOf("</script>", dataStart)));

  const chromium = await launchChromium({ viewport: { width: 1280, height: 900 } });
  const openMs: number[] = [];
  const busyMs: number[] = [];
  let hoverMs = 0;
  let redrawMs = 0;
  const load = loadavg()[0];
  try {
    for (let i = 0; i < OPENS; i++) {
      const page = await chromium.context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(err.message));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      const cdp = await chromium.context.newCDPSession(page);
      await cdp.send("Performance.enable");
      await page.goto(`file://${path}`, { waitUntil: "load", timeout: 60_000 });
      await page.waitForFunction(RENDERED, null, { timeout: 60_000 });
      openMs.push(await page.evaluate<number>(IDLE_AT));
      const metrics = (await cdp.send("Performance.getMetrics")).metrics;
      busyMs.push((metrics.find((metric) => metric.name === "TaskDuration")?.value ?? NaN) * 1000);
      if (errors.length > 0) throw new Error(`the report logged errors: ${errors.join("; ")}`);
      if (i === OPENS - 1) {
        // 200 hovers along one busy row, then full redraws with every op in view.
        hoverMs = await page.evaluate<number>(`(() => {
          const overlay = document.getElementById("timeline-overlay");
          const box = overlay.getBoundingClientRect();
          const t0 = performance.now();
          for (let k = 0; k < 200; k++) overlay.dispatchEvent(new MouseEvent("mousemove", { clientX: box.left + 80 + (k * (box.width - 100)) / 200, clientY: box.top + 60, bubbles: true }));
          return (performance.now() - t0) / 200;
        })()`);
        redrawMs = await page.evaluate<number>(`(() => {
          const t0 = performance.now();
          for (let k = 0; k < 10; k++) window.faultlineTimeline.zoom(0, 1e9);
          return (performance.now() - t0) / 10;
        })()`);
      }
      await page.close();
    }
  } finally {
    await chromium.close();
  }
  const openMedian = median(openMs);
  console.error(
    `report-open: ${OPS.toLocaleString("en")} ops (${big.entries.toLocaleString("en")} history entries): open ${openMs.map((ms) => Math.round(ms)).join(", ")} ms; ` +
      `median ${Math.round(openMedian)} ms — ${openMedian < TARGET_MS ? "meets" : "MISSES"} the ${TARGET_MS} ms target (load average ${load.toFixed(1)} on this machine)`,
  );
  return [
    { name: `100k-op report: open in Chromium, load → idle, median of ${OPENS} (target < ${TARGET_MS} ms)`, value: openMedian, unit: "ms" },
    { name: `100k-op report: open, best of ${OPENS}`, value: Math.min(...openMs), unit: "ms" },
    { name: "100k-op report: main-thread busy while opening (median)", value: median(busyMs), unit: "ms" },
    { name: "100k-op report: report.html size", value: mb(Buffer.byteLength(big.html)), unit: "MB" },
    { name: "100k-op report: of which packed ops", value: mb(dataBytes), unit: "MB" },
    { name: "every report: of which the Vega runtime", value: mb(Buffer.byteLength(vegaRuntime())), unit: "MB" },
    { name: "2k-op report: report.html size", value: mb(Buffer.byteLength(small.html)), unit: "MB" },
    { name: "100k-op report: render in Node", value: big.renderMs, unit: "ms" },
    { name: "100k-op timeline: one hover (lookup, highlight, tooltip)", value: hoverMs, unit: "ms" },
    { name: "100k-op timeline: full redraw, every op in view", value: redrawMs, unit: "ms" },
    { name: "load average (1 min) during the bench", value: load, unit: "" },
  ];
}
