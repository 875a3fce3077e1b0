import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../checkers/checker.ts";
import type { System } from "../../clusters/system.ts";
import { judgeClaims } from "./claims.ts";
import { listAppendWorkload } from "../../workloads/list-append.ts";
import { registerWorkload } from "../../workloads/register.ts";
import { setWorkload } from "../../workloads/set.ts";
import { DEFAULT_SPEC, type TestSpec } from "../spec/test-spec.ts";

const system = (claims: System["claims"]) => ({ name: "s", claims }) as System;
const spec = (workload: string, nemesis: string[]): TestSpec => ({ ...DEFAULT_SPEC, name: "t", seed: 1, workload, nemesis });
const side = (ok: number, total: number) => ({ ok, fail: total - ok, info: 0, total, availability: total ? ok / total : null });
const stats = (partitions: boolean) => ({ valid: true, faults: { partitions: partitions ? { majoritySide: side(90, 100), minoritySide: side(2, 100) } : null } }) as unknown as CheckResult;

describe("judgeClaims", () => {
  it("a linearizable CP system: both claims follow the register checker under partition", () => {
    const [model, cap] = judgeClaims(system({ model: "linearizable", cap: "CP" }), spec("register", ["partition"]), registerWorkload, { valid: false }, stats(true));
    expect(model).toMatchObject({ verdict: "refuted" });
    expect(cap).toMatchObject({ claim: "CP: consistent under partition", verdict: "refuted" });
    expect(cap.evidence).toMatch(/minority side 2.0% ok/);
  });

  it("a sequential system's stale register reads refute nothing it claimed", () => {
    const [model, cap] = judgeClaims(system({ model: "sequential", cap: "CP" }), spec("register", ["partition"]), registerWorkload, { valid: false }, stats(true));
    expect(model.verdict).toBe("not tested");
    expect(cap.verdict).toBe("not tested");
  });

  it("a transactional claim is refuted exactly when the checker rules the model out", () => {
    const ruledOut = { valid: false, anomalyTypes: ["G2-item"], not: ["repeatable-read"], alsoNot: ["serializable", "strict-serializable"] };
    expect(judgeClaims(system({ model: "serializable", cap: "CP" }), spec("list-append", []), listAppendWorkload, ruledOut, stats(false))[0].verdict).toBe("refuted");
    expect(judgeClaims(system({ model: "snapshot-isolation", cap: "CP" }), spec("list-append", []), listAppendWorkload, ruledOut, stats(false))[0].verdict).toBe("held");
  });

  it("AP is refuted when the minority side mostly failed, and untested without partitions", () => {
    const [, cap] = judgeClaims(system({ model: "eventual", cap: "AP" }), spec("set", ["partition"]), setWorkload, { valid: false }, stats(true));
    expect(cap).toMatchObject({ claim: "AP: available under partition", verdict: "refuted" });
    expect(judgeClaims(system({ model: "eventual", cap: "AP" }), spec("set", ["kill"]), setWorkload, { valid: true }, stats(false))[1].verdict).toBe("not tested");
  });
});
