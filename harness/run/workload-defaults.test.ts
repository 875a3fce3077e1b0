import { describe, expect, it } from "vitest";
import type { System } from "../../clusters/system.ts";
import { memoryRegisterSystem } from "../../test/support/memory-register/system.ts";
import { UsageError } from "../errors.ts";
import { buildSpec } from "../spec/build-spec.ts";
import { catalog, REGISTRY, systems, workloads } from "./registry.ts";
import { withWorkloadDefaults } from "./runner.ts";

describe("a system's workload defaults (System.workloadDefaults)", () => {
  it("kafka's queue runs as a partitioned log without --opt ordered=per-partition", () => {
    const spec = buildSpec({}, { system: "kafka", runtime: "docker", workload: "queue", seed: "1" }, catalog());
    expect(spec.options).toEqual({});
    expect(withWorkloadDefaults(spec, systems.kafka, workloads.queue).options).toEqual({ ordered: "per-partition" });
  });

  it("lie under the run's own options, which win", () => {
    const withDefault: System = { ...memoryRegisterSystem, workloadDefaults: { register: { readFraction: "0.9", keys: "3" } } };
    const spec = buildSpec({}, { system: "raft", workload: "register", seed: "1", opt: ["readFraction=0.1"] }, catalog());
    expect(withWorkloadDefaults(spec, withDefault, workloads.register).options).toEqual({ readFraction: "0.1", keys: "3" });
    // Defaults for another workload do nothing.
    expect(withWorkloadDefaults(spec, { ...memoryRegisterSystem, workloadDefaults: { set: { keys: "3" } } }, workloads.register)).toBe(spec);
  });

  it("a typo in the run's options is still refused before anything runs", () => {
    expect(() => buildSpec({}, { system: "kafka", runtime: "docker", workload: "queue", opt: ["orderd=per-partition"] }, catalog())).toThrow(/unknown option "orderd"/);
  });

  it("a default the workload does not read is refused like a typo", () => {
    const misspelt: System = { ...memoryRegisterSystem, workloadDefaults: { register: { readFracton: "0.9" } } };
    const spec = buildSpec({}, { system: "raft", workload: "register", seed: "1" }, catalog());
    expect(() => withWorkloadDefaults(spec, misspelt, workloads.register)).toThrow(UsageError);
    expect(() => withWorkloadDefaults(spec, misspelt, workloads.register)).toThrow(/unknown option "readFracton"/);
  });

  it("every registered system's defaults are options its workloads read", () => {
    for (const system of Object.values(REGISTRY.systems)) {
      for (const workload of Object.keys(system.workloadDefaults ?? {})) {
        expect(Object.keys(system.clients), `${system.name} has defaults for ${workload}, which it has no client for`).toContain(workload);
        const spec = buildSpec({}, { system: system.name, runtime: system.runtimes[0], workload, seed: "1" }, catalog());
        expect(() => withWorkloadDefaults(spec, system, workloads[workload])).not.toThrow();
      }
    }
  });
});
