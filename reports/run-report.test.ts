import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { raftSystem } from "../clusters/raft/system.ts";
import { judgeRun } from "../harness/verdicts/judge.ts";
import type { Op } from "../harness/op.ts";
import { buildSpec } from "../harness/spec/build-spec.ts";
import { catalog } from "../harness/run/registry.ts";
import { registerWorkload } from "../workloads/register.ts";
import { renderRunReport } from "./run-report.ts";

const MS = 1_000_000;

/** A partition of n1 away from n2,n3; a write acknowledged, then a read on n1 that returns the old
 *  value after the write completed — a stale read the checker must flag. */
function staleReadHistory(): Op[] {
  const ops: Omit<Op, "index">[] = [
    { time: 0, process: 0, type: "invoke", f: "write", value: 1, key: 7, node: "n1" },
    { time: 5 * MS, process: 0, type: "ok", f: "write", value: 1, key: 7, node: "n1" },
    { time: 10 * MS, process: "nemesis", type: "invoke", f: "start-partition", value: "isolate-leader" },
    { time: 12 * MS, process: "nemesis", type: "ok", f: "start-partition", value: { mode: "isolate-leader", components: [["n1"], ["n2", "n3"]], grudge: { n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] } } },
    { time: 20 * MS, process: 1, type: "invoke", f: "write", value: 2, key: 7, node: "n2" },
    { time: 30 * MS, process: 1, type: "ok", f: "write", value: 2, key: 7, node: "n2" },
    { time: 40 * MS, process: 2, type: "invoke", f: "read", value: null, key: 7, node: "n1" },
    { time: 41 * MS, process: 2, type: "ok", f: "read", value: 1, key: 7, node: "n1" },
    { time: 50 * MS, process: "nemesis", type: "invoke", f: "stop-partition", value: null },
    { time: 52 * MS, process: "nemesis", type: "ok", f: "stop-partition", value: "healed" },
    { time: 60 * MS, process: 0, type: "invoke", f: "write", value: "<script>alert(1)</script>", key: 8, node: "n1" },
    { time: 61 * MS, process: 0, type: "fail", f: "write", value: "<script>alert(1)</script>", key: 8, node: "n1", error: "NOLEADER" },
  ];
  return ops.map((op, index) => ({ ...op, index }));
}

describe("run report", () => {
  const spec = buildSpec({}, { system: "raft", nemesis: "partition", seed: "3", time: "1", nodes: "3" }, catalog());
  const history = staleReadHistory();
  const results = judgeRun(spec, raftSystem, registerWorkload, history);

  it("judges the stale read, refutes the claims, and renders the evidence", async () => {
    expect(results.valid).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), "faultline-report-"));
    const html = await renderRunReport({ runDir: dir, spec, system: raftSystem, results, history });
    expect(html).toContain('<span class="badge bad">INVALID</span>');
    expect(html).toMatch(/key 7: not linearizable/);
    expect(html).toMatch(/read → 1/);
    expect(html).toContain("refuted");
    expect(html).toMatch(/partition: minority side/);
    expect(html).toContain("<svg");
    // The Porcupine-style view of key 7, the run in one sentence, the plots and the timeline.
    expect(html).toContain('class="porcupine"');
    expect(html).toMatch(/<p class="in-words">Faultline&#39;s Raft gave an answer no order of operations explains on key 7/);
    expect(html).toContain('data-vega-spec="latency"');
    expect(html).toContain('id="timeline-canvas"');
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-/);
    expect(html).toContain("--seed 3");
    // User data never becomes markup.
    expect(html).not.toContain("<script>alert(1)</script>");
    // Self-contained: nothing fetched from anywhere.
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']https?:/);
  });
});
