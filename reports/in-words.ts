// A checker's findings in plain sentences, for the terminal and for the top of a report: the first
// failure a reader should look at, and each claim as a sentence. Reads the result shapes the
// checkers write (checkers/*.ts); anything it does not know it names by field and count, never as
// a wall of JSON.

import type { CheckResult } from "../checkers/checker.ts";
import { show as showPlain } from "../checkers/elle/micro-ops.ts";
import type { Availability, StatsResult } from "../checkers/stats.ts";
import type { ClaimJudgement } from "../harness/store/results.ts";
import type { FaultBand } from "./fault-bands.ts";

interface Ref {
  index?: number;
  process?: number | string;
}

const at = (ref: Ref | null | undefined) => (ref && typeof ref.index === "number" ? `op #${ref.index}` : "an op");
const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};
const plural = (n: number, word: string) => `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;

/** The first failure in a checker's result, in one or two sentences; undefined when it found none. */
export function firstFailureInWords(result: CheckResult): string | undefined {
  const r = result as Record<string, unknown>;
  if (Array.isArray(r.failures) && r.failures.length > 0) {
    const failure = r.failures[0] as { key?: unknown; explanation?: string };
    const others = r.failures.length > 1 ? ` (${plural(r.failures.length - 1, "more key")} not linearizable)` : "";
    const object = failure.key === undefined || failure.key === null ? "the history" : `key ${show(failure.key)}`;
    // The checker's explanation opens with its own "key …: not linearizable." — said here already.
    const explanation = (failure.explanation ?? "no order of its ops explains what was read").replace(/^(key [^:]*: )?not linearizable\.\s*/, "");
    return `${object} is not linearizable: ${explanation}${others}`;
  }
  if (r.anomalies && typeof r.anomalies === "object") {
    for (const [type, list] of Object.entries(r.anomalies as Record<string, unknown[]>)) {
      if (!Array.isArray(list) || list.length === 0) continue;
      const explanation = (list[0] as { explanation?: unknown }).explanation;
      const ruledOut = Array.isArray(r.not) && r.not.length > 0 ? `; rules out ${(r.not as string[]).join(", ")}` : "";
      return `${type} (${plural(list.length, "case")})${typeof explanation === "string" ? `: ${explanation}` : ""}${ruledOut}`;
    }
  }
  if (Array.isArray(r.lost) && r.lost.length > 0) {
    const lost = r.lost[0] as { element?: unknown; message?: unknown; addCompletion?: Ref; enqueueCompletion?: Ref; missingFromFinalReads?: unknown[] };
    const what = "element" in lost ? `element ${show(lost.element)}` : `message ${show(lost.message)}`;
    const acked = lost.addCompletion ?? lost.enqueueCompletion;
    const finals = Array.isArray(lost.missingFromFinalReads) ? `, and ${plural(lost.missingFromFinalReads.length, "final read")} after it lacked it` : "";
    return `${plural(r.lost.length, "acknowledged write")} lost; the first, ${what}, was acknowledged at ${at(acked)}${finals}`;
  }
  if (Array.isArray(r.badReads) && r.badReads.length > 0) {
    const bad = r.badReads[0] as {
      read?: Ref;
      kinds?: string[];
      total?: number;
      expectedTotal?: number;
      unexplained?: { difference?: unknown };
      suspects?: SuspectsWords;
    };
    const kinds = (bad.kinds ?? []).join(", ");
    const detail = bad.unexplained
      ? `: no set of concurrent or indeterminate transfers explains balances off by ${show(bad.unexplained.difference)}${describeSuspects(bad.suspects)}`
      : kinds.includes("wrong-total")
        ? `: total ${bad.total} instead of ${bad.expectedTotal}${describeSuspects(bad.suspects)}`
        : "";
    return `${plural(r.badReads.length, "bad read")}; the first, ${at(bad.read)}, is ${kinds}${detail}`;
  }
  if (Array.isArray(r.overlaps) && r.overlaps.length > 0) {
    const overlap = r.overlaps[0] as { first?: { acquire?: Ref; process?: unknown }; second?: { acquire?: Ref; process?: unknown } };
    return `${plural(r.overlaps.length, "overlapping hold")} of the lock: ${at(overlap.first?.acquire)} and ${at(overlap.second?.acquire)} held it at the same time`;
  }
  if (Array.isArray(r.duplicated) && r.duplicated.length > 0) {
    const duplicate = r.duplicated[0] as { id?: unknown; element?: unknown; message?: unknown };
    const what = duplicate.id ?? duplicate.element ?? duplicate.message;
    return `${plural(r.duplicated.length, "value")} handed out or read more than once; the first: ${show(what)}`;
  }
  if (Array.isArray(r.errors) && r.errors.length > 0) {
    const error = r.errors[0] as { read?: Ref; value?: unknown; lower?: number; upper?: number };
    return `${plural(r.errors.length, "read")} out of bounds; the first, ${at(error.read)}, read ${show(error.value)} outside [${error.lower}, ${error.upper}]`;
  }
  for (const [field, value] of Object.entries(r)) {
    if (Array.isArray(value) && value.length > 0 && !["malformed", "totals", "series", "neverRead", "recovered", "stale", "unknownBecause", "not", "alsoNot", "anomalyTypes"].includes(field)) {
      return `${plural(value.length, field.replace(/([A-Z])/g, " $1").toLowerCase())} (see the report)`;
    }
  }
  return undefined;
}

/** Why a verdict is unknown, as the checkers and the verdict rules said it. */
export function unknownInWords(result: CheckResult): string[] {
  const reasons: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === "string") reasons.push(value);
    else if (Array.isArray(value)) for (const item of value) if (typeof item === "string") reasons.push(item);
  };
  collect((result as Record<string, unknown>).unknownBecause);
  const workload = (result as Record<string, unknown>).workload;
  const checked = workload && typeof workload === "object" ? (workload as Record<string, unknown>) : (result as Record<string, unknown>);
  if (checked !== result) collect(checked.unknownBecause);
  collect(checked.reason);
  return [...new Set(reasons)];
}

/** One claim as a sentence: "CP … — held: <evidence> (decided by <checker>)". */
export function claimInWords(claim: ClaimJudgement): string {
  const promise = claim.claimed === false ? `${claim.claim} (not claimed by the system)` : claim.claim;
  return `${promise} — ${claim.verdict}: ${claim.evidence}${claim.decidedBy ? ` (decided by the ${claim.decidedBy})` : ""}`;
}

// ---- for the report: transactional cycles and claims in sentences a non-expert can follow ----

const KIND_WORDS: Record<string, string> = {
  ww: "wrote over or after the earlier one's write",
  wr: "saw what the earlier one wrote",
  rw: "replaced a version the earlier one had read",
  process: "ran after it on the same client process",
  realtime: "started after the earlier one had finished",
};

function mopInWords(mop: unknown): string {
  if (!Array.isArray(mop)) return showPlain(mop);
  const [f, key, value] = mop as unknown[];
  const k = `key ${showPlain(key)}`;
  switch (String(f).replace(/^:/, "")) {
    case "append":
      return `appended ${showPlain(value)} to ${k}`;
    case "r":
    case "read":
      return value === null || value === undefined ? `read ${k} (no value known)` : `read ${k} and got ${showPlain(value)}`;
    case "w":
    case "write":
      return `wrote ${showPlain(value)} to ${k}`;
    default:
      return `${showPlain(f)} ${k} ${showPlain(value)}`;
  }
}

/** A transactional cycle anomaly (checkers/elle/explain.ts CycleEvidence) in sentences: each
 *  transaction and what it did, then each step of the cycle and why it must come first. */
export function cycleInWords(anomaly: unknown): { ops: string[]; steps: string[] } | undefined {
  const a = anomaly as { ops?: unknown; steps?: unknown };
  if (!Array.isArray(a.ops) || !Array.isArray(a.steps)) return undefined;
  const ops = (a.ops as { name?: unknown; index?: unknown; process?: unknown; type?: unknown; value?: unknown }[]).map((op) => {
    const mops = Array.isArray(op.value) ? (op.value as unknown[]).map(mopInWords).join(", then ") : showPlain(op.value);
    const outcome = op.type === "info" ? " (its outcome is unknown)" : "";
    return `${String(op.name)} — op #${String(op.index)} on process ${String(op.process)}${outcome}: ${mops}.`;
  });
  const steps = (a.steps as { from?: unknown; to?: unknown; kind?: unknown; text?: unknown }[]).map((step) => {
    const kind = String(step.kind);
    const gloss = KIND_WORDS[kind.split("-")[0]];
    return `${String(step.text)} — so ${String(step.from)} must come before ${String(step.to)}${gloss ? ` (${kind}: the later one ${gloss})` : ` (${kind})`}.`;
  });
  return { ops, steps };
}

/** How people write each system's name, and what its primary node is called. */
const SYSTEM_NAMES: Record<string, [string, string]> = {
  raft: ["Faultline's Raft", "leader"],
  zab: ["Faultline's ZAB", "leader"],
  "redis-sentinel": ["Redis Sentinel", "primary"],
  etcd: ["etcd", "leader"],
  zookeeper: ["ZooKeeper", "leader"],
  mysql: ["MySQL", "primary"],
  postgres: ["PostgreSQL", "primary"],
  kafka: ["Kafka", "leader"],
  elasticsearch: ["Elasticsearch", "primary"],
  twopc: ["two-phase commit", "coordinator"],
  quorum: ["the quorum store", "leader"],
};

export function systemName(system: string): string {
  return SYSTEM_NAMES[system]?.[0] ?? system;
}

export interface ClaimContext {
  /** The system's registry name ("redis-sentinel"); undefined for a history checked on its own. */
  system?: string;
  /** The workload checker's result. */
  workload?: CheckResult;
  stats?: StatsResult;
  /** The fault bands, to say what was going on when writes were lost. */
  bands?: readonly FaultBand[];
}

const count = (n: number) => n.toLocaleString("en");
/** "95.0% of 1,000 requests", or "no requests (none were sent there)". */
const served = (a: Availability) => (a.total === 0 ? "no requests (none were sent there)" : `${pct(a)} of ${count(a.total)} requests`);
const pct = (a: Availability | null | undefined) => (a && a.availability !== null ? `${(a.availability * 100).toFixed(1)}%` : "–");

/** What went on while most of some evidence was acknowledged: "while the primary was partitioned". */
function during(timesNs: readonly number[], bands: readonly FaultBand[] | undefined, primary: string): string {
  if (!bands || bands.length === 0 || timesNs.length === 0) return "";
  const tally = new Map<FaultBand, number>();
  for (const t of timesNs) {
    const band = bands.find((b) => t / 1e9 >= b.startS && t / 1e9 <= b.endS);
    if (band) tally.set(band, (tally.get(band) ?? 0) + 1);
  }
  const inside = [...tally.values()].reduce((a, b) => a + b, 0);
  if (inside * 2 < timesNs.length) return inside === 0 ? " outside every fault window" : "";
  const kinds = new Set([...tally.keys()].map((band) => band.kind));
  const modes = new Set([...tally.keys()].map((band) => band.mode));
  if (kinds.size === 1 && kinds.has("partition")) {
    if (modes.size === 1 && modes.has("isolate-leader")) return ` while the ${primary} was partitioned`;
    return " while the network was partitioned";
  }
  if (kinds.size === 1 && kinds.has("kill")) return ` while nodes were being killed`;
  if (kinds.size === 1 && kinds.has("pause")) return ` while nodes were paused`;
  return ` while faults (${[...kinds].join(", ")}) were active`;
}

/** The headline finding, in words, without the claim: "lost 1,229 of 4,331 acknowledged writes
 *  while the primary was partitioned". Undefined when the checker found nothing wrong. */
function findingInWords(ctx: ClaimContext, primary: string): string | undefined {
  const r = (ctx.workload ?? {}) as Record<string, unknown>;
  if (r.valid !== false) return undefined;
  const counts = r.counts as { lost?: number; acknowledged?: number } | undefined;
  if (Array.isArray(r.lost) && r.lost.length > 0) {
    const lost = r.lost as { addCompletion?: { timeNs?: number } | null; enqueueCompletion?: { timeNs?: number } | null }[];
    const times = lost.map((l) => (l.addCompletion ?? l.enqueueCompletion)?.timeNs).filter((t): t is number => typeof t === "number");
    const noun = lost[0] && "enqueueCompletion" in lost[0] ? "messages" : "writes";
    const total = counts?.lost ?? lost.length;
    return `lost ${count(total)}${counts?.acknowledged ? ` of ${count(counts.acknowledged)}` : ""} acknowledged ${noun}${during(times, ctx.bands, primary)}`;
  }
  if (Array.isArray(r.failures) && r.failures.length > 0) {
    const first = r.failures[0] as LinearizabilityFailureLike;
    const stuck = first.ops?.[0];
    const state = (first.finalStates ?? []).join(" or ");
    const where = first.key === null || first.key === undefined ? "" : ` on key ${show(first.key)}`;
    const others = r.failures.length > 1 ? ` (${plural(r.failures.length, "key")} in all)` : "";
    return `gave an answer no order of operations explains${where}: ${stuck ? `op #${stuck.index} (${stuck.describe}) could not have happened when the value was ${state}` : "see the evidence"}${others}`;
  }
  if (r.anomalies && typeof r.anomalies === "object") {
    const types = Object.entries(r.anomalies as Record<string, unknown[]>).filter(([, list]) => Array.isArray(list) && list.length > 0);
    if (types.length > 0) {
      const listed = types.map(([type, list]) => `${type} (${plural(list.length, "case")})`).join(", ");
      const ruled = Array.isArray(r.not) && r.not.length ? `, which rules out ${(r.not as string[]).join(", ")}` : "";
      return `let transactions see each other in an impossible order: ${listed}${ruled}`;
    }
  }
  const first = firstFailureInWords(ctx.workload as CheckResult);
  return first ? `failed its check: ${first}` : "failed its check";
}

interface LinearizabilityFailureLike {
  key?: unknown;
  finalStates?: string[];
  ops?: { index: number; describe: string }[];
}

/** One sentence for the whole run, for the top of a report: what was found and whether that is
 *  what the system claims — "Redis Sentinel lost 1,229 of 4,331 acknowledged writes while the
 *  primary was partitioned — AP, as it claims." */
export function verdictSentence(ctx: ClaimContext, claims: readonly ClaimJudgement[], valid: unknown): string {
  const [name, primary] = ctx.system ? (SYSTEM_NAMES[ctx.system] ?? [ctx.system, "leader"]) : ["The system that recorded this history", "leader"];
  const finding = findingInWords(ctx, primary);
  const cap = claims.find((claim) => /^(CP|AP)\b/.test(claim.claim));
  const brokenPromise = claims.find((claim) => claim.claimed && claim.verdict === "refuted" && claim !== cap);
  let tail = "";
  if (cap) {
    const capName = cap.claim.slice(0, 2);
    if (cap.verdict === "held") tail = brokenPromise ? ` — it stayed ${capName} under partition, but broke its promise of ${brokenPromise.claim}` : ` — ${capName}, as it claims`;
    else if (cap.verdict === "refuted") tail = ` — it claims ${capName}, and this run refutes that`;
    else if (cap.verdict === "not tested") tail = ` — its ${capName} claim was not tested (${cap.evidence.split(";")[0]})`;
    else tail = ` — whether it is ${capName} as it claims is unknown`;
  } else if (brokenPromise) tail = ` — it claims ${brokenPromise.claim}`;
  if (finding) return `${name} ${finding}${tail}.`;
  if (valid === true) return `${name} passed every check in this run${tail}.`;
  return `Faultline could not decide whether ${name.charAt(0).toLowerCase() + name.slice(1)} kept its promises in this run${tail}.`;
}

/** Each claim as a sentence a non-expert understands, with the numbers that decide it. */
export function claimSentence(claim: ClaimJudgement, ctx: ClaimContext): string {
  const [name, primary] = ctx.system ? (SYSTEM_NAMES[ctx.system] ?? [ctx.system, "leader"]) : ["The system", "leader"];
  const partitions = ctx.stats?.faults?.partitions ?? null;
  const promise = claim.claimed ? "promises" : "does not promise";
  if (/^CP\b/.test(claim.claim)) {
    const sides = partitions ? `the side with a majority of nodes answered ${served(partitions.majoritySide)} during partitions, the minority side ${served(partitions.minoritySide)}` : "";
    switch (claim.verdict) {
      case "held":
        return `${name} claims CP — correct answers even when the network splits, from the side holding a majority of nodes — and kept it: ${sides}; the minority side refusing is what CP allows.`;
      case "refuted":
        return `${name} claims CP, and this run refutes it: ${/stopped serving/.test(claim.evidence) ? `the majority side stopped answering (${sides})` : `its answers were not consistent (${claim.evidence.split(";")[0]})`}.`;
      case "not tested":
        return `${name} claims CP; this run could not test it: ${claim.evidence}.`;
      default:
        return `${name} claims CP; whether it held is unknown: ${claim.evidence}.`;
    }
  }
  if (/^AP\b/.test(claim.claim)) {
    const sides = partitions ? `the majority side answered ${served(partitions.majoritySide)} during partitions and the minority side ${served(partitions.minoritySide)}` : "";
    switch (claim.verdict) {
      case "held":
        return `${name} claims AP — every side of a split network keeps answering — and did: ${sides}.${ctx.workload?.valid === false ? " Staying available is how it can lose or contradict writes; AP systems accept that." : ""}`;
      case "refuted":
        return `${name} claims AP — every side keeps answering — but one side stopped: ${sides}.`;
      case "not tested":
        return `${name} claims AP; this run could not test it: ${claim.evidence}.`;
      default:
        return `${name} claims AP; whether it held is unknown: ${claim.evidence}.`;
    }
  }
  const finding = findingInWords(ctx, primary);
  switch (claim.verdict) {
    case "held":
      return `${name} ${promise} ${claim.claim}, and the ${claim.decidedBy || "checker"} found nothing that breaks it.`;
    case "refuted":
      return claim.claimed
        ? `${name} promises ${claim.claim}, and broke that promise: it ${finding ?? "failed the check"}.`
        : `${name} does not promise ${claim.claim}, and indeed it ${finding ?? "failed the check"} — expected, not a broken promise.`;
    case "not tested":
      return `${name} ${promise} ${claim.claim}; this run does not test it: ${claim.evidence}.`;
    default:
      return `${name} ${promise} ${claim.claim}; the check could not decide: ${claim.evidence}.`;
  }
}

type SuspectWords = { transfer?: Ref; outcome?: string; error?: string; from?: string; to?: string; amount?: number; effect?: string };
type SuspectsWords = { transfers?: SuspectWords[]; unique?: boolean };

/** The transfers a bad read points at (checkers/bank-suspects.ts), in words: what of each the
 *  read shows against what the system answered, and whether another set would do as well. */
export function describeSuspects(suspects: SuspectsWords | undefined): string {
  const transfers = suspects?.transfers ?? [];
  if (transfers.length === 0) return "";
  const one = (t: SuspectWords) => {
    const answered = t.outcome === "ok" ? "acknowledged" : t.outcome === "fail" ? `failed (${t.error ?? "no reason given"})` : `indeterminate${t.error ? ` (${t.error})` : ""}`;
    const shows =
      t.effect === "deposit-only"
        ? `its deposit to ${t.to} without its withdrawal from ${t.from}`
        : t.effect === "withdrawal-only"
          ? `its withdrawal from ${t.from} without its deposit to ${t.to}`
          : t.effect === "all"
            ? "all of it"
            : "none of it";
    return `the transfer of ${t.amount} from ${t.from} to ${t.to} invoked at ${at(t.transfer)}, ${answered}, with ${shows}`;
  };
  const lead =
    transfers.length === 1
      ? suspects?.unique
        ? "the one transfer that accounts for every balance"
        : "a transfer that accounts for every balance (others would as well)"
      : `${transfers.length} transfers that together account for every balance${suspects?.unique ? "" : " (one of several such sets)"}`;
  return `; ${lead}: ${transfers.map(one).join("; ")}`;
}
