import { describe, expect, it } from "vitest";
import type { StatsResult } from "../checkers/stats.ts";
import type { ClaimJudgement } from "../harness/store/results.ts";
import type { FaultBand } from "./fault-bands.ts";
import { claimSentence, cycleInWords, describeSuspects, verdictSentence } from "./in-words.ts";

const side = (ok: number, total: number) => ({ ok, fail: total - ok, answered: 0, info: 0, total, availability: ok / total });

describe("claims in words", () => {
  // An AP system that lost acknowledged writes while its primary was cut off: the seeds' example.
  const band: FaultBand = { kind: "partition", label: "partition n1 | n2,n3", detail: "", startS: 10, endS: 20, open: false, uncertain: false, mode: "isolate-leader", partition: null };
  const lost = Array.from({ length: 1229 }, (_, i) => ({ element: i, addCompletion: { index: i, process: 0, timeNs: 12e9 + i } }));
  const workload = { valid: false, counts: { lost: 1229, acknowledged: 4331 }, lost };
  const stats = { faults: { partitions: { majoritySide: side(950, 1000), minoritySide: side(880, 1000) } } } as unknown as StatsResult;
  const claims: ClaimJudgement[] = [
    { claim: "no add lost once acknowledged or read", claimed: false, verdict: "refuted", decidedBy: "set checker", evidence: "not promised" },
    { claim: "AP: every side serving under partition (≥ 50%)", claimed: true, verdict: "held", decidedBy: "availability by partition side", evidence: "…" },
  ];
  const context = { system: "redis-sentinel", workload, stats, bands: [band] };

  it("says what happened, when, and whether the system promised otherwise", () => {
    expect(verdictSentence(context, claims, false)).toBe("Redis Sentinel lost 1,229 of 4,331 acknowledged writes while the primary was partitioned — AP, as it claims.");
  });

  it("each claim in a sentence with the numbers that decide it", () => {
    expect(claimSentence(claims[0], context)).toBe(
      "Redis Sentinel does not promise no add lost once acknowledged or read, and indeed it lost 1,229 of 4,331 acknowledged writes while the primary was partitioned — expected, not a broken promise.",
    );
    expect(claimSentence(claims[1], context)).toContain("the majority side answered 95.0% of 1,000 requests during partitions and the minority side 88.0% of 1,000");
  });

  it("a CP system that broke linearizability says so plainly", () => {
    const failures = [{ key: 7, finalStates: ["2"], ops: [{ index: 6, describe: "read → 1" }] }];
    const cp: ClaimJudgement[] = [
      { claim: "linearizable (register workload)", claimed: true, verdict: "refuted", decidedBy: "linearizability checker", evidence: "invalid" },
      { claim: "CP: consistent under partition, majority side serving (≥ 50%)", claimed: true, verdict: "refuted", decidedBy: "linearizability checker", evidence: "linearizable (register workload): refuted; …" },
    ];
    const sentence = verdictSentence({ system: "etcd", workload: { valid: false, failures }, stats }, cp, false);
    expect(sentence).toBe("etcd gave an answer no order of operations explains on key 7: op #6 (read → 1) could not have happened when the value was 2 — it claims CP, and this run refutes that.");
  });
});

describe("cycles in words", () => {
  it("names each transaction's micro-ops and why each step must come first", () => {
    const words = cycleInWords({
      ops: [
        { name: "T1", index: 3, process: 0, type: "ok", value: [["append", "x", 1], ["r", "y", [2]]] },
        { name: "T2", index: 5, process: 1, type: "info", value: [["w", "y", 3]] },
      ],
      steps: [
        { from: "T1", to: "T2", kind: "rw", text: "T1's read of y did not observe T2's write of 3" },
        { from: "T2", to: "T1", kind: "wr", text: "T1 read T2's write" },
      ],
    });
    expect(words?.ops).toEqual(["T1 — op #3 on process 0: appended 1 to key x, then read key y and got [2].", "T2 — op #5 on process 1 (its outcome is unknown): wrote 3 to key y."]);
    expect(words?.steps[0]).toBe("T1's read of y did not observe T2's write of 3 — so T1 must come before T2 (rw: the later one replaced a version the earlier one had read).");
  });
});

describe("a bad read's suspects in words", () => {
  const transfer = { index: 215, process: 3, timeNs: 5e9 };
  it("words a single suspect with what the system answered and what the read shows of it", () => {
    expect(describeSuspects({ transfers: [{ transfer, outcome: "fail", error: "ABORTED n2.1.154 no vote", from: "2", to: "0", amount: 5, effect: "deposit-only" }], unique: true })).toBe(
      "; the one transfer that accounts for every balance: the transfer of 5 from 2 to 0 invoked at op #215, failed (ABORTED n2.1.154 no vote), with its deposit to 0 without its withdrawal from 2",
    );
  });

  it("says so when another set would account for the read as well", () => {
    const second = { index: 230, process: 1, timeNs: 6e9 };
    expect(
      describeSuspects({
        transfers: [
          { transfer, outcome: "ok", from: "0", to: "1", amount: 3, effect: "none" },
          { transfer: second, outcome: "fail", error: "ABORTED n1.1.9", from: "1", to: "2", amount: 2, effect: "all" },
        ],
        unique: false,
      }),
    ).toBe(
      "; 2 transfers that together account for every balance (one of several such sets): the transfer of 3 from 0 to 1 invoked at op #215, acknowledged, with none of it; the transfer of 2 from 1 to 2 invoked at op #230, failed (ABORTED n1.1.9), with all of it",
    );
    expect(describeSuspects(undefined)).toBe("");
  });
});
