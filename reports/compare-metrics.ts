// The numbers that decide a run's claims, read from its results (and its history, for latency and
// failover): acknowledged writes lost, stale reads, anomalies by type, availability on the majority
// and minority side during partitions, p99 latency, failover time. One place, so the comparison
// page, the results database and `serve` all say the same number.
//
// Failover time, as the comparison page states it: for each fault, the longest stretch from the
// moment the fault was in place until it was healed (or the history ended) in which no client op
// completed ok anywhere in the cluster; the run's failover time is the longest over its faults.
// A CP system that elects a new leader on the majority side shows its election here; one that
// stops serving altogether shows the whole fault.

import type { CheckResult } from "../checkers/checker.ts";
import type { StatsResult, Availability } from "../checkers/stats.ts";
import { percentiles } from "../checkers/percentiles.ts";
import type { Op } from "../harness/op.ts";
import { pairOps } from "../harness/history/pairs.ts";

export const FAILOVER_DEFINITION =
  "Failover time: for each fault, the longest stretch from the moment the fault was in place until it was healed (or the history ended) in which no client operation completed ok anywhere in the cluster; a run's failover time is the longest over its faults.";

export interface Failover {
  seconds: number;
  /** The fault it was measured in ("partition", "kill" …) and its label. */
  fault: string;
  label: string;
  /** When that fault began, seconds into the run. */
  atS: number;
}

export interface SideShare {
  availability: number | null;
  served: number;
  total: number;
}

export interface RunMetrics {
  /** Set and queue checkers: acknowledged writes the final reads never saw. */
  lostWrites: { lost: number; acknowledged: number | null } | null;
  /** Set checker: elements some read missed after their add was acknowledged, later seen again. */
  staleReads: number | null;
  /** Register workload: keys whose history no linearizable order explains. */
  nonLinearizableKeys: number | null;
  /** Anomalies and other findings by type (Elle's G2-item …, lock overlaps, bank bad reads). */
  anomalies: Record<string, number>;
  /** Over all client ops. */
  availability: number | null;
  /** During partitions; null when the run had none. */
  majoritySide: SideShare | null;
  minoritySide: SideShare | null;
  /** Over every ok client op, in ms; null without history or ok ops. */
  p99Ms: number | null;
  failover: Failover | null;
}

function side(a: Availability | undefined): SideShare | null {
  if (!a) return null;
  return { availability: a.availability, served: a.ok + a.answered, total: a.total };
}

const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

function anomaliesOf(workload: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  if (workload.anomalies && typeof workload.anomalies === "object") {
    for (const [type, list] of Object.entries(workload.anomalies as Record<string, unknown>)) {
      if (Array.isArray(list) && list.length > 0) out[type] = list.length;
    }
  }
  const lists: [string, string][] = [
    ["overlaps", "lock held twice"],
    ["staleTokens", "stale fencing token"],
    ["duplicateTokens", "duplicate fencing token"],
    ["badReads", "bad bank read"],
    ["duplicated", "duplicated"],
    ["unexpected", "unexpected value"],
    ["errors", "counter read out of bounds"],
  ];
  for (const [field, name] of lists) {
    const value = workload[field];
    if (Array.isArray(value) && value.length > 0) out[name] = value.length;
  }
  return out;
}

export function metricsOf(results: CheckResult, history?: readonly Op[]): RunMetrics {
  const workload = (results.workload ?? {}) as Record<string, unknown>;
  const stats = results.stats as StatsResult | undefined;
  const counts = (workload.counts ?? {}) as Record<string, unknown>;
  const lost = num(counts.lost) ?? (Array.isArray(workload.lost) ? workload.lost.length : null);
  const partitions = stats?.faults?.partitions ?? null;
  return {
    lostWrites: lost === null ? null : { lost, acknowledged: num(counts.acknowledged) },
    staleReads: num(counts.stale),
    nonLinearizableKeys: Array.isArray(workload.failures) ? workload.failures.length : null,
    anomalies: anomaliesOf(workload),
    availability: stats?.availability?.availability ?? null,
    majoritySide: partitions ? side(partitions.majoritySide) : null,
    minoritySide: partitions ? side(partitions.minoritySide) : null,
    p99Ms: history ? p99OfHistory(history) : null,
    failover: history && stats?.faults?.windows ? failoverOf(history, stats.faults.windows) : null,
  };
}

function p99OfHistory(history: readonly Op[]): number | null {
  const latencies: number[] = [];
  for (const pair of pairOps(history)) {
    if (pair.invoke.process === "nemesis" || pair.completion?.type !== "ok") continue;
    latencies.push((pair.completion.time - pair.invoke.time) / 1e6);
  }
  return percentiles(latencies).p99;
}

/** See the file comment. `windows` are the stats checker's fault windows. */
export function failoverOf(history: readonly Op[], windows: readonly { fault: string; label: string; startNs: number; endNs: number }[]): Failover | null {
  if (windows.length === 0) return null;
  const okTimes = history
    .filter((op) => op.type === "ok" && op.process !== "nemesis")
    .map((op) => op.time)
    .sort((a, b) => a - b);
  let worst: Failover | null = null;
  for (const window of windows) {
    let from = window.startNs;
    let longest = 0;
    for (const time of okTimes) {
      if (time < window.startNs) continue;
      if (time > window.endNs) break;
      longest = Math.max(longest, time - from);
      from = time;
    }
    longest = Math.max(longest, window.endNs - from);
    const seconds = longest / 1e9;
    if (!worst || seconds > worst.seconds) worst = { seconds, fault: window.fault, label: window.label, atS: window.startNs / 1e9 };
  }
  return worst;
}
