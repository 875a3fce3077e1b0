import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../checkers/checker.ts";
import type { Claims } from "../../clusters/system.ts";
import { judgeClaims } from "./claims.ts";
import { DEFAULT_SPEC, type TestSpec } from "../spec/test-spec.ts";
import { bankWorkload } from "../../workloads/bank.ts";
import { listAppendWorkload } from "../../workloads/list-append.ts";
import { lockWorkload } from "../../workloads/lock.ts";
import { registerWorkload } from "../../workloads/register.ts";
import { setWorkload } from "../../workloads/set.ts";

const system = (claims: Claims): Claims => claims;
const spec = (workload: string, nemesis: string[]): TestSpec => ({ ...DEFAULT_SPEC, name: "t", seed: 1, workload, nemesis });
const side = (ok: number, total: number) => ({ ok, fail: total - ok, info: 0, total, availability: total ? ok / total : null });
const sidesOf = (partitions: { majority: number; minority: number } | null) => (partitions ? { majoritySide: side(partitions.majority, 100), minoritySide: side(partitions.minority, 100) } : null);
/** `alone`: the sides over ops no other fault overlapped; the same as over all partitions unless given. */
const stats = (partitions: { majority: number; minority: number } | null, alone = partitions) =>
  ({ valid: true, faults: { partitions: sidesOf(partitions), partitionsAlone: sidesOf(alone) } }) as unknown as CheckResult;
const CP_SIDES = { majority: 90, minority: 2 };

describe("judgeClaims", () => {
  it("a linearizable CP system: both claims follow the register checker under partition", () => {
    const [model, cap] = judgeClaims(system({ model: "linearizable", cap: "CP" }), spec("register", ["partition"]), registerWorkload, { valid: false }, false, stats(CP_SIDES));
    expect(model).toMatchObject({ verdict: "refuted", decidedBy: "linearizability checker" });
    expect(cap).toMatchObject({ claim: "CP: consistent under partition, majority side serving (≥ 50%)", verdict: "refuted" });
    expect(cap.evidence).toMatch(/minority side 2.0% of 100/);
  });

  it("a held claim needs the run's final verdict, not only the checker's: unknown stays unknown", () => {
    const [model] = judgeClaims(system({ model: "linearizable", cap: "CP" }), spec("register", []), registerWorkload, { valid: true }, "unknown", stats(null));
    expect(model.verdict).toBe("unknown");
  });

  it("CP is refuted when the majority side stopped serving, though consistency held", () => {
    const [, cap] = judgeClaims(system({ model: "linearizable", cap: "CP" }), spec("register", ["partition"]), registerWorkload, { valid: true }, true, stats({ majority: 20, minority: 0 }));
    expect(cap).toMatchObject({ verdict: "refuted", decidedBy: "availability by partition side" });
    expect(cap.evidence).toMatch(/majority side stopped serving with no other fault active: majority side answered 20.0%/);
    const [, held] = judgeClaims(system({ model: "linearizable", cap: "CP" }), spec("register", ["partition"]), registerWorkload, { valid: true }, true, stats(CP_SIDES));
    expect(held).toMatchObject({ verdict: "held", decidedBy: "linearizability checker + availability by partition side" });
  });

  it("a CP system that promises no side keeps serving (two-phase commit) is judged on consistency alone", () => {
    const twoPhase = system({ model: "serializable", cap: "CP", serving: "no-side" });
    const [, property, cap] = judgeClaims(twoPhase, spec("bank", ["partition"]), bankWorkload, { valid: true }, true, stats({ majority: 3, minority: 0 }));
    expect(property.verdict).toBe("held");
    expect(cap).toMatchObject({ claim: "CP: consistent under partition (no side promised to keep serving)", verdict: "held", decidedBy: "bank checker" });
    expect(cap.evidence).toMatch(/availability, not promised: majority side answered 3.0% of 100/);
    const [, , refuted] = judgeClaims(twoPhase, spec("bank", ["partition"]), bankWorkload, { valid: false }, false, stats({ majority: 90, minority: 90 }));
    expect(refuted.verdict).toBe("refuted");
  });

  it("CP's serving clause looks only at partitions no kill or pause overlapped", () => {
    const linearizable = system({ model: "linearizable", cap: "CP" });
    // Kills during the partitions took the majority side's quorum; alone, it served.
    const [, held] = judgeClaims(linearizable, spec("register", ["partition", "kill"]), registerWorkload, { valid: true }, true, stats({ majority: 30, minority: 0 }, { majority: 92, minority: 0 }));
    expect(held.verdict).toBe("held");
    const [, untested] = judgeClaims(linearizable, spec("register", ["partition", "kill"]), registerWorkload, { valid: true }, true, stats({ majority: 30, minority: 0 }, null));
    expect(untested).toMatchObject({ verdict: "unknown" });
    expect(untested.evidence).toMatch(/every partition overlapped another fault/);
  });

  it("a sequential system's stale register reads refute nothing it claimed", () => {
    const [model, cap] = judgeClaims(system({ model: "sequential", cap: "CP" }), spec("register", ["partition"]), registerWorkload, { valid: false }, false, stats(CP_SIDES));
    expect(model.verdict).toBe("not tested");
    expect(cap.verdict).toBe("not tested");
  });

  it("a transactional claim is refuted exactly when the checker rules the model out", () => {
    const ruledOut = { valid: false, anomalyTypes: ["G2-item"], not: ["repeatable-read"], alsoNot: ["serializable", "strict-serializable"] };
    expect(judgeClaims(system({ model: "serializable", cap: "CP" }), spec("list-append", []), listAppendWorkload, ruledOut, false, stats(null))[0].verdict).toBe("refuted");
    // Judged against snapshot isolation (the run passes the claimed model to the checker), the same
    // anomalies leave the checker's verdict true.
    expect(judgeClaims(system({ model: "snapshot-isolation", cap: "CP" }), spec("list-append", []), listAppendWorkload, { ...ruledOut, valid: true }, true, stats(null))[0].verdict).toBe("held");
    expect(judgeClaims(system({ model: "snapshot-isolation", cap: "CP" }), spec("list-append", []), listAppendWorkload, { ...ruledOut, valid: "unknown" }, "unknown", stats(null))[0].verdict).toBe("unknown");
  });

  it("a property workload never holds a model claim, but its violation refutes a strong one; the property is its own claim", () => {
    const linearizable = system({ model: "linearizable", cap: "CP" });
    const [modelHeld, propertyHeld, capHeld] = judgeClaims(linearizable, spec("set", ["partition"]), setWorkload, { valid: true }, true, stats(CP_SIDES));
    expect(modelHeld).toMatchObject({ verdict: "not tested", decidedBy: "set checker" });
    expect(propertyHeld).toMatchObject({ claim: "no add lost once acknowledged or read", claimed: true, verdict: "held" });
    expect(capHeld).toMatchObject({ verdict: "held", decidedBy: "set checker + availability by partition side" });
    const [modelRefuted, propertyRefuted] = judgeClaims(linearizable, spec("set", []), setWorkload, { valid: false }, false, stats(null));
    expect(modelRefuted.verdict).toBe("refuted");
    expect(propertyRefuted.verdict).toBe("refuted");
    const [, mutex] = judgeClaims(system({ model: "sequential", cap: "CP" }), spec("lock", []), lockWorkload, { valid: true }, true, stats(null));
    expect(mutex).toMatchObject({ claim: "mutual exclusion", verdict: "held" });
  });

  it("an eventual system does not promise the property: its violation is reported as not claimed", () => {
    const [model, property] = judgeClaims(system({ model: "eventual", cap: "AP" }), spec("set", []), setWorkload, { valid: false }, false, stats(null));
    expect(model.verdict).toBe("not tested");
    expect(property).toMatchObject({ claimed: false, verdict: "refuted" });
  });

  it("a system that says whether acknowledged writes are durable decides the property claim", () => {
    expect(judgeClaims({ cap: "CP", durable: true }, spec("set", []), setWorkload, { valid: false }, false, stats(null))[0]).toMatchObject({ claimed: true, verdict: "refuted" });
    expect(judgeClaims({ cap: "CP", durable: false }, spec("set", []), setWorkload, { valid: false }, false, stats(null))[0]).toMatchObject({ claimed: false, verdict: "refuted" });
    expect(judgeClaims({ cap: "CP" }, spec("set", []), setWorkload, { valid: false }, false, stats(null))[0]).toMatchObject({ claimed: false });
  });

  it("AP needs every side serving, and is untested without partitions", () => {
    const ap = system({ model: "eventual", cap: "AP" });
    expect(judgeClaims(ap, spec("set", ["partition"]), setWorkload, { valid: false }, false, stats(CP_SIDES)).at(-1)).toMatchObject({ claim: "AP: every side serving under partition (≥ 50%)", verdict: "refuted" });
    expect(judgeClaims(ap, spec("set", ["partition"]), setWorkload, { valid: false }, false, stats({ majority: 95, minority: 97 })).at(-1)?.verdict).toBe("held");
    expect(judgeClaims(ap, spec("set", ["kill"]), setWorkload, { valid: true }, true, stats(null)).at(-1)?.verdict).toBe("not tested");
  });
});
