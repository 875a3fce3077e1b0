// The quorum system's `--opt` options, in the seeds' names (N, W, R) and Dynamo's (read repair);
// each becomes the node's flag of the same meaning (args.ts).

import { declareOptions } from "../options.ts";

export const quorumOptions = declareOptions("quorum", {
  n: { type: "integer", min: 1, default: 3, help: "replicas of each key (at most --nodes)" },
  w: { type: "integer", min: 1, default: 2, help: "replicas that must store a write before it is acknowledged (at most n; w=n is write-all)" },
  r: { type: "integer", min: 1, default: 2, help: "replicas a read waits for (at most n; r=1 is read-one); w+r>n makes every read meet every completed write" },
  "read-repair": { type: "boolean", default: false, help: "a read sends replicas that answered an older copy the newest it found, without waiting for them (Dynamo's addition; the seeds' NWR has none)" },
  "write-back": { type: "boolean", default: false, help: "a read makes the copy it returns reach w replicas before answering (ABD): with w+r>n, reads are linearizable" },
  storage: {
    type: "choice",
    choices: ["fsync", "power-loss"],
    default: "fsync",
    help: "fsync: a copy is on disk before its replica acknowledges it; power-loss: a killed node loses what it had not fsynced, as after a power cut",
  },
  timeoutMs: { type: "integer", min: 10, default: 1000, help: "an operation without its quorum by then is answered NOQUORUM (nothing written) or UNKNOWN (a write some replicas keep)" },
  snapshotEvery: { type: "integer", min: 1, default: 10_000, help: "records a node logs between snapshots of its store" },
});

export type QuorumSettings = ReturnType<typeof quorumOptions.parse>;

/** Option → the node's flag. */
export const QUORUM_OPTION_FLAGS = {
  n: "--n",
  w: "--w",
  r: "--r",
  "read-repair": "--read-repair",
  "write-back": "--write-back",
  storage: "--storage",
  timeoutMs: "--timeout-ms",
  snapshotEvery: "--snapshot-every",
} as const satisfies Record<keyof typeof quorumOptions.declared, string>;

/** What is wrong with the settings for a cluster of `nodes` nodes, or undefined. */
export function settingsProblem(settings: Pick<QuorumSettings, "n" | "w" | "r">, nodes: number): string | undefined {
  if (settings.n > nodes) return `quorum: n=${settings.n} replicas need at least ${settings.n} nodes, the run has ${nodes}; pass --nodes ${settings.n} or a smaller --opt n`;
  if (settings.w > settings.n) return `quorum: w=${settings.w} is more replicas than n=${settings.n}; pass --opt w between 1 and ${settings.n}`;
  if (settings.r > settings.n) return `quorum: r=${settings.r} is more replicas than n=${settings.n}; pass --opt r between 1 and ${settings.n}`;
  return undefined;
}
