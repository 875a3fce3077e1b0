import { describe, expect, it } from "vitest";
import { raftSystem } from "../clusters/raft/system.ts";
import { twopcSystem } from "../clusters/twopc/system.ts";
import { faultKinds, faultModes, faultSupport, scheduledFaults } from "./catalog.ts";
import { PARTITION_MODES } from "./partition.ts";
import { TARGETS } from "./targets.ts";

describe("fault modes", () => {
  it("are each kind's distinct start values, in catalog order", () => {
    expect(faultModes(faultKinds.partition)).toEqual(["isolate-leader", "random-halves", "isolate-one", "majorities-ring", "bridge"]);
    expect(faultModes(faultKinds.kill)).toEqual(["leader", "random-one", "minority", "majority", "all"]);
    expect(faultModes(faultKinds.pause)).toEqual(["leader", "random-one", "minority"]);
    for (const kind of Object.values(faultKinds)) for (const fault of kind.faults) expect(fault.start.value).toBe(fault.mode);
  });

  it("name only what the nemeses can do", () => {
    for (const mode of faultModes(faultKinds.partition)) expect(PARTITION_MODES).toContain(mode);
    for (const target of [...faultModes(faultKinds.kill), ...faultModes(faultKinds.pause)]) expect(TARGETS).toContain(target);
  });
});

describe("reactive modes a system can have", () => {
  it("are those whose events its nodes publish: Raft's elections and commits, twopc's prepared participants", () => {
    const raft = faultSupport(faultKinds.reactive, { system: raftSystem, runtime: "local" });
    expect(raft.modes).toContain("figure-8");
    expect(raft.modes).not.toContain("isolate-prepared-participant");
    expect(raft.why).toMatch(/raft's nodes publish elected, appended, acknowledged, committed events only, and isolate-prepared-participant waits for others; its reactive modes: kill-new-leader, /);
    expect(faultSupport(faultKinds.reactive, { system: twopcSystem, runtime: "local" }).modes).toEqual(["isolate-prepared-participant"]);
  });
});

describe("scheduledFaults", () => {
  it("without modes is every kind's whole catalog, as before modes existed", () => {
    expect(scheduledFaults(["partition", "kill"], {})).toEqual([...faultKinds.partition.faults, ...faultKinds.kill.faults]);
    expect(scheduledFaults([], {})).toEqual([]);
  });

  it("keeps only the chosen modes of a restricted kind, with their catalog weights, and leaves the others whole", () => {
    const faults = scheduledFaults(["partition", "pause"], { partition: ["isolate-leader", "majorities-ring"] });
    const partitions = faults.filter((fault) => fault.start.f === "start-partition").map((fault) => fault.mode);
    // majorities-ring is listed three times in the catalog, isolate-leader once.
    expect(partitions).toEqual(["isolate-leader", "majorities-ring", "majorities-ring", "majorities-ring"]);
    expect(faults.filter((fault) => fault.start.f === "pause")).toEqual(faultKinds.pause.faults);
  });

  it("refuses a mode the kind does not have (the spec should have caught it)", () => {
    expect(() => scheduledFaults(["kill"], { kill: ["leader", "everyone"] })).toThrow(/fault kind kill has no mode everyone; its modes: leader, random-one/);
    expect(() => scheduledFaults(["kill"], { kill: [] })).toThrow(/has no mode \(none chosen\)/);
    expect(() => scheduledFaults(["meteor"], {})).toThrow(/unknown fault kind "meteor"/);
  });
});
