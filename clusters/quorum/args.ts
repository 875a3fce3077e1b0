// Command-line arguments of a quorum node (main.ts): the textbook nodes' common flags
// (clusters/textbook/node-args.ts) and N, W, R and the read rules.

import { COMMON_USAGE, parseNodeArgs, positiveInteger } from "../textbook/node-args.ts";
import type { QuorumNodeConfig } from "./node.ts";

export const USAGE = `usage: main.ts ${COMMON_USAGE}
         [--n 3] [--w 2] [--r 2] [--read-repair false|true] [--write-back true|false] [--timeout-ms 1000]`;

export function parseQuorumArguments(argv: readonly string[]): QuorumNodeConfig {
  const { common, values } = parseNodeArgs(
    argv,
    {
      n: { type: "string", default: "3" },
      w: { type: "string", default: "2" },
      r: { type: "string", default: "2" },
      "read-repair": { type: "string", default: "false" },
      "write-back": { type: "string", default: "false" },
      "timeout-ms": { type: "string", default: "1000" },
    },
    USAGE,
  );
  const flag = (name: string) => {
    const value = values[name];
    if (value !== "true" && value !== "false") throw new Error(`--${name} must be true or false, got '${String(value)}'\n${USAGE}`);
    return value === "true";
  };
  const n = positiveInteger("n", String(values.n));
  const w = positiveInteger("w", String(values.w));
  const r = positiveInteger("r", String(values.r));
  if (n > common.nodes.length || w > n || r > n) throw new Error(`--n ${n} --w ${w} --r ${r} need w ≤ n, r ≤ n and n ≤ the ${common.nodes.length} nodes of --nodes\n${USAGE}`);
  return {
    ...common,
    n,
    w,
    r,
    readRepair: flag("read-repair"),
    writeBack: flag("write-back"),
    timeoutTicks: Math.max(1, Math.round(positiveInteger("timeout-ms", String(values["timeout-ms"])) / common.tickMs)),
  };
}
