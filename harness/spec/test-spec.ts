// The test spec: plain data naming a test's parts (Jepsen's test map). Built from a YAML file and
// CLI flags (flags win), validated against the registry before anything starts.

export type RuntimeKind = "local" | "docker";

export interface TestSpec {
  /** Names the store folder: store/<name>/<timestamp>/. */
  name: string;
  system: string;
  runtime: RuntimeKind;
  nodes: number;
  workload: string;
  /** Fault kinds in the schedule (partition, kill, pause); empty = no faults. */
  nemesis: string[];
  /** Kinds of `nemesis` restricted to some of their modes (--nemesis partition:isolate-leader):
   *  kind → the modes its lane draws from. A kind not named here draws from all of its modes. */
  nemesisModes: Record<string, string[]>;
  /** Seconds of main phase (client load + faults). */
  timeS: number;
  /** Client processes (logical, one op in flight each). */
  concurrency: number;
  /** Target client ops per second, across all processes. */
  rate: number;
  seed: number;
  bugs: string[];
  store: string;
  /** Seconds between fault start/stop transitions. */
  nemesisIntervalS: number;
  /** Seconds to let the cluster recover after the final heal, before final reads. */
  recoveryS: number;
  /** A client op with no answer after this long is recorded as info. */
  opTimeoutMs: number;
  /** Independent keys in play (register, list-append, …). */
  keys: number;
  /** Budget for checkers whose search can explode; spent ⇒ verdict unknown. */
  checkTimeLimitS: number;
  /** System-specific options (storage mode, isolation level, read mode, …). */
  options: Record<string, string>;
}

export const DEFAULT_SPEC: Omit<TestSpec, "name" | "seed"> = {
  system: "raft",
  runtime: "local",
  nodes: 5,
  workload: "register",
  nemesis: [],
  nemesisModes: {},
  timeS: 60,
  concurrency: 10,
  rate: 200,
  bugs: [],
  store: "./store",
  nemesisIntervalS: 2,
  recoveryS: 5,
  opTimeoutMs: 2000,
  keys: 8,
  checkTimeLimitS: 120,
  options: {},
};

/** The fault schedule as the user wrote it: "partition:isolate-leader+bridge,kill", or "none". */
export function describeNemesis(spec: Pick<TestSpec, "nemesis" | "nemesisModes">): string {
  const label = spec.nemesis.map((kind) => {
    const modes = spec.nemesisModes[kind];
    return modes ? `${kind}:${modes.join("+")}` : kind;
  });
  return label.join(",") || "none";
}

/** The `faultline run` arguments that repeat this run: what it ran on and with, the seed, and every
 *  setting that differs from the defaults. */
export function replayArgs(spec: TestSpec): string[] {
  const args = ["--system", spec.system];
  if (spec.runtime !== DEFAULT_SPEC.runtime) args.push("--runtime", spec.runtime);
  args.push("--nodes", String(spec.nodes), "--workload", spec.workload, "--nemesis", describeNemesis(spec), "--time", String(spec.timeS));
  const numbers: [string, number, number][] = [
    ["--nemesis-interval", spec.nemesisIntervalS, DEFAULT_SPEC.nemesisIntervalS],
    ["--concurrency", spec.concurrency, DEFAULT_SPEC.concurrency],
    ["--rate", spec.rate, DEFAULT_SPEC.rate],
    ["--keys", spec.keys, DEFAULT_SPEC.keys],
    ["--recovery", spec.recoveryS, DEFAULT_SPEC.recoveryS],
    ["--op-timeout", spec.opTimeoutMs, DEFAULT_SPEC.opTimeoutMs],
  ];
  for (const [flag, value, fallback] of numbers) if (value !== fallback) args.push(flag, String(value));
  for (const bug of spec.bugs) args.push("--bug", bug);
  for (const [name, value] of Object.entries(spec.options)) args.push("--opt", `${name}=${value}`);
  args.push("--seed", String(spec.seed));
  return args;
}
