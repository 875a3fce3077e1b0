import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { buildSpec, readConfigFile, type SpecCatalog } from "./build-spec.ts";

const catalog: SpecCatalog = {
  systems: {
    raft: { workloads: ["register", "set"], bugs: [{ name: "stale-read" }], runtimes: ["local", "docker"], defaultNodes: 5 },
    postgres: { workloads: ["list-append"], bugs: [], runtimes: ["local"], defaultNodes: 1 },
    etcd: { workloads: ["register"], bugs: [], runtimes: ["local", "docker"], partitionsOn: ["docker"], defaultNodes: 3 },
  },
  nemeses: ["partition", "kill", "pause"],
};

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).not.toContain("\n");
    return (err as Error).message;
  }
  throw new Error("expected a UsageError");
};

describe("buildSpec", () => {
  it("fills defaults and takes the system's default node count", () => {
    const spec = buildSpec({}, { seed: "7" }, catalog);
    expect(spec).toMatchObject({ system: "raft", runtime: "local", nodes: 5, workload: "register", nemesis: [], seed: 7, name: "raft-register" });
    expect(buildSpec({}, { system: "postgres", workload: "list-append" }, catalog).nodes).toBe(1);
  });

  it("lets flags override the config file", () => {
    const spec = buildSpec({ time: 30, nemesis: ["partition"], nodes: 3 }, { time: "5" }, catalog);
    expect(spec.timeS).toBe(5);
    expect(spec.nemesis).toEqual(["partition"]);
    expect(spec.nodes).toBe(3);
  });

  it("accepts flag names camel-cased, as commander passes them", () => {
    const spec = buildSpec({}, { nemesisInterval: "3", opTimeout: "500", checkTimeLimit: "9" }, catalog);
    expect(spec).toMatchObject({ nemesisIntervalS: 3, opTimeoutMs: 500, checkTimeLimitS: 9 });
  });

  it("expands all and none, splits comma lists, and de-duplicates", () => {
    expect(buildSpec({}, { nemesis: "all" }, catalog).nemesis).toEqual(["partition", "kill", "pause"]);
    expect(buildSpec({}, { nemesis: "none" }, catalog).nemesis).toEqual([]);
    expect(buildSpec({}, { nemesis: "kill,partition,kill" }, catalog).nemesis).toEqual(["kill", "partition"]);
  });

  it("names the bad value and the valid choices in one line", () => {
    expect(usage(() => buildSpec({}, { system: "cassandra" }, catalog))).toBe('unknown system "cassandra"; valid: raft, postgres, etcd');
    expect(usage(() => buildSpec({}, { nemesis: "meteor" }, catalog))).toContain('unknown nemesis "meteor"; valid: partition, kill, pause, none, all');
    expect(usage(() => buildSpec({}, { workload: "bank" }, catalog))).toContain('no client for workload "bank"; its workloads: register, set');
    expect(usage(() => buildSpec({}, { bug: ["nope"] }, catalog))).toContain('unknown bug for raft "nope"; valid: stale-read');
    expect(usage(() => buildSpec({ colour: "blue" }, {}, catalog))).toContain('unknown config setting "colour"');
    expect(usage(() => buildSpec({}, { nodes: "0" }, catalog))).toContain("nodes must be a whole number from 1 to 15");
    expect(usage(() => buildSpec({}, { rate: "fast" }, catalog))).toContain("rate must be a number");
    expect(usage(() => buildSpec({}, { system: "postgres", workload: "list-append", runtime: "docker" }, catalog))).toContain("does not run on the docker runtime");
  });

  it("refuses partitions on a runtime that cannot cut the system's peer traffic", () => {
    expect(usage(() => buildSpec({}, { system: "etcd", nemesis: "partition,kill" }, catalog))).toContain("system etcd cannot be partitioned on the local runtime");
    expect(buildSpec({}, { system: "etcd", nemesis: "partition", runtime: "docker" }, catalog).nemesis).toEqual(["partition"]);
    expect(buildSpec({}, { system: "etcd", nemesis: "kill" }, catalog).nemesis).toEqual(["kill"]);
  });

  it("reads system options from --opt name=value and from a YAML mapping", () => {
    expect(buildSpec({ options: { isolation: "serializable" } }, { opt: ["storage=power-loss"] }, catalog).options).toEqual({ isolation: "serializable", storage: "power-loss" });
    expect(usage(() => buildSpec({}, { opt: ["storage"] }, catalog))).toContain("must look like name=value");
  });
});

describe("readConfigFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-spec-"));

  it("reads a YAML test spec", () => {
    const path = join(dir, "test.yaml");
    writeFileSync(path, "system: raft\nnemesis: [partition, kill]\ntime: 12\nbug: [stale-read]\n");
    const spec = buildSpec(readConfigFile(path), {}, catalog);
    expect(spec).toMatchObject({ nemesis: ["partition", "kill"], timeS: 12, bugs: ["stale-read"] });
  });

  it("rejects broken YAML and non-mappings with one line", () => {
    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, "system: [raft\n");
    expect(usage(() => readConfigFile(broken))).toMatch(/is not valid YAML/);
    const list = join(dir, "list.yaml");
    writeFileSync(list, "- raft\n");
    expect(usage(() => readConfigFile(list))).toMatch(/must be a mapping/);
    expect(usage(() => readConfigFile(join(dir, "missing.yaml")))).toMatch(/cannot read config .*ENOENT/);
  });
});
