import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { declareOptions } from "../../clusters/options.ts";
import { UsageError } from "../errors.ts";
import { buildSpec, readConfigFile, type SpecCatalog } from "./build-spec.ts";

/** Clients by workload: the spec only asks which workloads a system has. */
const clientsFor = (...names: string[]) => Object.fromEntries(names.map((name) => [name, {}]));
const noOptions = declareOptions("none", {});
const raftOptions = declareOptions("raft", { storage: { type: "choice", choices: ["fsync", "power-loss"], default: "fsync", help: "where entries go" } });
/** A workload that reads readFraction (and refuses a bad one, as the real ones do). */
const reading = {
  generator: (options: Record<string, unknown>) => {
    const fraction = options.readFraction ?? 0.5;
    if (typeof fraction !== "number" || fraction > 1) throw new Error(`readFraction must be a number in [0, 1], got ${JSON.stringify(fraction)}`);
  },
  checker: () => undefined,
};

const catalog: SpecCatalog = {
  systems: {
    raft: { clients: clientsFor("register", "set"), bugs: [{ name: "stale-read" }], runtimes: ["local", "docker"], defaultNodes: 5, options: raftOptions },
    postgres: { clients: clientsFor("list-append"), bugs: [], runtimes: ["local"], defaultNodes: 1, options: noOptions },
    etcd: { clients: clientsFor("register"), bugs: [], runtimes: ["local", "docker"], partitionsOn: ["docker"], defaultNodes: 3, options: noOptions },
  },
  workloads: { register: reading, set: reading, "list-append": reading },
  nemeses: { partition: ["isolate-leader", "random-halves", "isolate-one"], kill: ["leader", "random-one", "all"], pause: ["leader", "minority"] },
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

  it("restricts a kind to the modes named after a colon, and keeps the other kinds whole", () => {
    const spec = buildSpec({}, { nemesis: "partition:isolate-leader,kill" }, catalog);
    expect(spec.nemesis).toEqual(["partition", "kill"]);
    expect(spec.nemesisModes).toEqual({ partition: ["isolate-leader"] });
    // Modes join with '+', come back in the catalog's order, and several words for one kind add up.
    expect(buildSpec({}, { nemesis: "partition:isolate-one+isolate-leader" }, catalog).nemesisModes).toEqual({ partition: ["isolate-leader", "isolate-one"] });
    expect(buildSpec({}, { nemesis: "kill:all,pause:leader,kill:leader" }, catalog)).toMatchObject({ nemesis: ["kill", "pause"], nemesisModes: { kill: ["leader", "all"], pause: ["leader"] } });
    // A kind named whole anywhere is whole.
    expect(buildSpec({}, { nemesis: "partition:isolate-leader,partition" }, catalog)).toMatchObject({ nemesis: ["partition"], nemesisModes: {} });
    expect(buildSpec({}, { nemesis: "partition,partition:isolate-one" }, catalog).nemesisModes).toEqual({});
    // Plain kinds, all and none are what they always were: no restriction.
    expect(buildSpec({}, { nemesis: "partition,kill" }, catalog).nemesisModes).toEqual({});
    expect(buildSpec({}, { nemesis: "all" }, catalog).nemesisModes).toEqual({});
    expect(buildSpec({}, {}, catalog).nemesisModes).toEqual({});
  });

  it("rejects an unknown mode, an empty one, and none or all mixed with kinds, naming what would do", () => {
    expect(usage(() => buildSpec({}, { nemesis: "partition:isolate-primary" }, catalog))).toBe('unknown mode for nemesis partition "isolate-primary"; valid: isolate-leader, random-halves, isolate-one');
    expect(usage(() => buildSpec({}, { nemesis: "kill:leader+everyone" }, catalog))).toBe('unknown mode for nemesis kill "everyone"; valid: leader, random-one, all');
    expect(usage(() => buildSpec({}, { nemesis: "meteor:leader" }, catalog))).toBe('unknown nemesis "meteor"; valid: partition, kill, pause, none, all');
    expect(usage(() => buildSpec({}, { nemesis: "partition:" }, catalog))).toContain("names an empty mode; write partition:MODE[+MODE…] with modes from: isolate-leader, random-halves, isolate-one");
    expect(usage(() => buildSpec({}, { nemesis: "pause:leader++minority" }, catalog))).toContain("names an empty mode");
    expect(usage(() => buildSpec({}, { nemesis: "none,kill" }, catalog))).toBe('nemesis "none" stands alone; drop it, or drop the other kinds (kill)');
    // A restricted partition is still a partition: the runtime must be able to cut the links.
    expect(usage(() => buildSpec({}, { system: "etcd", nemesis: "partition:isolate-leader" }, catalog))).toContain("system etcd cannot be partitioned on the local runtime");
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

  it("with the registry's support table: all takes what the system and runtime support; naming the rest is refused", () => {
    const supported: SpecCatalog = {
      ...catalog,
      nemeses: { ...catalog.nemeses, link: ["drop", "delay"] },
      nemesisSupport: (_system, runtime) => ({
        partition: { modes: catalog.nemeses.partition },
        kill: { modes: catalog.nemeses.kill },
        pause: runtime === "docker" ? { modes: [], why: "no pauses here" } : { modes: catalog.nemeses.pause },
        link: runtime === "docker" ? { modes: ["drop"], why: "docker makes only drop" } : { modes: ["drop", "delay"] },
      }),
    };
    const onDocker = buildSpec({}, { nemesis: "all", runtime: "docker" }, supported);
    expect(onDocker.nemesis).toEqual(["partition", "kill", "link"]);
    expect(onDocker.nemesisModes).toEqual({ link: ["drop"] });
    expect(buildSpec({}, { nemesis: "link", runtime: "docker" }, supported).nemesisModes).toEqual({ link: ["drop"] });
    expect(buildSpec({}, { nemesis: "all" }, supported).nemesis).toEqual(["partition", "kill", "pause", "link"]);
    expect(usage(() => buildSpec({}, { nemesis: "link:delay", runtime: "docker" }, supported))).toBe("nemesis link:delay is not possible here: docker makes only drop");
    expect(usage(() => buildSpec({}, { nemesis: "pause", runtime: "docker" }, supported))).toBe("no pauses here");
  });

  it("reads options from --opt name=value and from a YAML mapping: the system's and the workload's", () => {
    expect(buildSpec({ options: { readFraction: 0.9 } }, { opt: ["storage=power-loss"] }, catalog).options).toEqual({ readFraction: "0.9", storage: "power-loss" });
    expect(usage(() => buildSpec({}, { opt: ["storage"] }, catalog))).toContain("must look like name=value");
  });

  it("refuses an option nobody reads, listing the valid ones, and a bad value of either kind", () => {
    expect(usage(() => buildSpec({}, { opt: ["storag=power-loss"] }, catalog))).toBe(
      'unknown option "storag" for system raft with workload register; valid options are raft\'s: storage; workload register reads: readFraction',
    );
    expect(usage(() => buildSpec({}, { opt: ["storage=powerloss"] }, catalog))).toBe('raft: option storage must be one of fsync, power-loss, got "powerloss"; pass e.g. --opt storage=fsync');
    expect(usage(() => buildSpec({}, { opt: ["readFraction=2"] }, catalog))).toBe("workload register: readFraction must be a number in [0, 1], got 2");
    expect(usage(() => buildSpec({}, { system: "etcd", opt: ["storage=fsync"] }, catalog))).toContain("valid options are etcd's: (none)");
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

  it("reads modes in YAML as on the command line", () => {
    const path = join(dir, "modes.yaml");
    writeFileSync(path, "nemesis: [partition:isolate-leader+isolate-one, kill]\n");
    expect(buildSpec(readConfigFile(path), {}, catalog)).toMatchObject({ nemesis: ["partition", "kill"], nemesisModes: { partition: ["isolate-leader", "isolate-one"] } });
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
