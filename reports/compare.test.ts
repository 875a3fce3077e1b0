import { describe, expect, it } from "vitest";
import type { Op } from "../harness/op.ts";
import { renderComparison, decidingNumber, hrefOf, type ComparedRun } from "./compare.ts";
import { FAILOVER_DEFINITION, failoverOf, metricsOf, type RunMetrics } from "./compare-metrics.ts";

const HOSTILE = `<img src=x onerror="document.title='pwned'">`;

const noMetrics: RunMetrics = { lostWrites: null, staleReads: null, nonLinearizableKeys: null, anomalies: {}, availability: 1, majoritySide: null, minoritySide: null, p99Ms: null, failover: null };

function run(over: Partial<ComparedRun>): ComparedRun {
  return { reportHref: "../r/report.html", label: "raft", system: "raft", workload: "register", nemesis: "partition", seed: 1, runtime: "local", nodes: 5, bugs: [], systemClaims: { cap: "CP", model: "linearizable" }, valid: true, claims: [], metrics: noMetrics, ...over };
}

const cp = run({
  label: "raft",
  reportHref: "raft-register-partition/20261206T000000/report.html",
  claims: [
    { claim: "linearizable (register workload)", claimed: true, verdict: "held", decidedBy: "linearizability checker", evidence: "valid" },
    { claim: "CP: consistent under partition, majority side serving (≥ 50%)", claimed: true, verdict: "held", decidedBy: "linearizability checker + availability by partition side", evidence: "ok" },
  ],
  metrics: { ...noMetrics, nonLinearizableKeys: 0, majoritySide: { availability: 0.97, served: 970, total: 1000 }, minoritySide: { availability: 0, served: 0, total: 400 }, p99Ms: 41.5, failover: { seconds: 1.84, fault: "partition", label: "partition n1 n2 | n3 n4 n5", atS: 5 } },
});

const ap = run({
  label: `redis-sentinel ${HOSTILE}`,
  system: "redis-sentinel",
  workload: "set",
  reportHref: `redis/${HOSTILE}/report.html`,
  valid: false,
  systemClaims: { cap: "AP", model: "eventual" },
  claims: [
    { claim: "no add lost once acknowledged or read", claimed: false, verdict: "refuted", decidedBy: "set checker", evidence: `lost ${HOSTILE}` },
    { claim: "AP: every side serving under partition (≥ 50%)", claimed: true, verdict: "held", decidedBy: "availability by partition side", evidence: "both sides" },
  ],
  metrics: { ...noMetrics, lostWrites: { lost: 1229, acknowledged: 4331 }, staleReads: 12, anomalies: { [HOSTILE]: 2 }, majoritySide: { availability: 0.99, served: 990, total: 1000 }, minoritySide: { availability: 0.95, served: 380, total: 400 } },
});

describe("comparison page", () => {
  const html = renderComparison({ title: `cap ${HOSTILE}`, runs: [cp, ap], source: `suite ${HOSTILE}`, generatedAt: new Date("2026-12-06T00:00:00Z") });

  it("links every row and every dot to its run's report", () => {
    expect(html).toContain(`href="raft-register-partition/20261206T000000/report.html"`);
    expect(html.match(/href="raft-register-partition\/20261206T000000\/report.html"/g)?.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain(`href="redis/${encodeURIComponent(HOSTILE).replace(/'/g, "&#39;")}/report.html"`);
  });

  it("escapes every string that came from a run", () => {
    expect(html).not.toContain("<img");
    expect(html).not.toMatch(/onerror="/);
    expect(html).toContain("&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;");
  });

  it("shows each claim's verdict with the number that decides it", () => {
    expect(html).toContain("1,229 of 4,331 acknowledged writes lost");
    expect(html).toContain("every key linearizable");
    expect(html).toContain("majority 97.0% of 1,000 · minority 0% of 400");
    expect(html).toMatch(/not claimed · expected/);
    expect(html).toContain("1.84 s");
    expect(html).toContain("41.5 ms");
  });

  it("defines failover time on the page and places partitioned runs in the CAP picture", () => {
    expect(html).toContain("<dt>Failover time</dt>");
    expect(html).toContain("longest stretch from the moment the fault was in place");
    expect(html).toContain('aria-label="CAP picture"');
    expect(html.match(/<circle /g)).toHaveLength(2);
  });

  it("loads nothing from elsewhere", () => {
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?(https?:)?\/\//);
  });
});

describe("deciding numbers", () => {
  it("names transactional anomalies by type", () => {
    const m = { ...noMetrics, anomalies: { "G2-item": 13, "G-single": 2 } };
    expect(decidingNumber({ claim: "serializable (list-append workload)", claimed: true, verdict: "refuted", decidedBy: "transactional checker (Elle)", evidence: "" }, m)).toBe("anomalies: G2-item ×13, G-single ×2");
  });

  it("percent-encodes paths, absolute ones as file URLs", () => {
    expect(hrefOf("/tmp/a b/report.html")).toBe("file:///tmp/a%20b/report.html");
    expect(hrefOf(`x/"><script>/r.html`)).toBe("x/%22%3E%3Cscript%3E/r.html");
  });
});

describe("failover time", () => {
  const op = (index: number, timeS: number, process: number | "nemesis", type: Op["type"], f = "write"): Op => ({ index, time: timeS * 1e9, process, type, f, value: null });
  it("is the longest stretch without an ok client op while a fault is in place", () => {
    const history = [op(0, 0.5, 0, "invoke"), op(1, 0.6, 0, "ok"), op(2, 1, 0, "invoke"), op(3, 1.1, 0, "ok"), op(4, 2, 1, "invoke"), op(5, 4.5, 1, "ok"), op(6, 4.6, 1, "invoke"), op(7, 4.7, 1, "ok")];
    const failover = failoverOf(history, [{ fault: "partition", label: "p", startNs: 1.5e9, endNs: 6e9 }]);
    expect(failover?.seconds).toBeCloseTo(3.0, 6);
    expect(failoverOf(history, [])).toBeNull();
  });

  it("counts the whole fault when nothing succeeds during it", () => {
    const history = [op(0, 0, 0, "invoke"), op(1, 0.1, 0, "ok"), op(2, 1, 0, "invoke"), op(3, 3, 0, "fail")];
    expect(failoverOf(history, [{ fault: "kill", label: "k", startNs: 1e9, endNs: 4e9 }])?.seconds).toBeCloseTo(3, 6);
  });

  it("reads lost writes and stale reads from the set checker's counts", () => {
    const m = metricsOf({ valid: false, workload: { valid: false, counts: { lost: 3, acknowledged: 100, stale: 2 } } });
    expect(m.lostWrites).toEqual({ lost: 3, acknowledged: 100 });
    expect(m.staleReads).toBe(2);
  });
});
