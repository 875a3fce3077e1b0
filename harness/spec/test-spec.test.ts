import { describe, expect, it } from "vitest";
import { DEFAULT_SPEC, describeNemesis, replayArgs, type TestSpec } from "./test-spec.ts";

const spec = (changes: Partial<TestSpec>): TestSpec => ({ ...DEFAULT_SPEC, name: "t", seed: 9, ...changes });

describe("describeNemesis", () => {
  it("writes the schedule as --nemesis takes it", () => {
    expect(describeNemesis(spec({}))).toBe("none");
    expect(describeNemesis(spec({ nemesis: ["partition", "kill"] }))).toBe("partition,kill");
    expect(describeNemesis(spec({ nemesis: ["partition", "kill"], nemesisModes: { partition: ["isolate-leader", "bridge"] } }))).toBe("partition:isolate-leader+bridge,kill");
  });
});

describe("replayArgs", () => {
  it("repeats the defaults' run with what names it, and the seed", () => {
    expect(replayArgs(spec({}))).toEqual(["--system", "raft", "--nodes", "5", "--workload", "register", "--nemesis", "none", "--time", "60", "--seed", "9"]);
  });

  it("carries every setting that differs from the defaults, modes and options included", () => {
    const args = replayArgs(
      spec({ system: "redis-sentinel", runtime: "docker", nodes: 3, workload: "set", nemesis: ["partition"], nemesisModes: { partition: ["isolate-leader"] }, timeS: 30, nemesisIntervalS: 12, keys: 2, bugs: [], options: { "min-replicas-to-write": "1" } }),
    );
    expect(args.join(" ")).toBe("--system redis-sentinel --runtime docker --nodes 3 --workload set --nemesis partition:isolate-leader --time 30 --nemesis-interval 12 --keys 2 --opt min-replicas-to-write=1 --seed 9");
  });
});
