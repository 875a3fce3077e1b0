// Command-line arguments of a twopc node (main.ts): the textbook nodes' common flags
// (clusters/textbook/node-args.ts) and the protocol's own.

import { COMMON_USAGE, parseNodeArgs, positiveInteger } from "../textbook/node-args.ts";
import type { TwoPcNodeConfig } from "./node.ts";

export const USAGE = `usage: main.ts ${COMMON_USAGE}
         [--protocol 2pc|3pc] [--vote-timeout-ms 1000] [--lock-wait-ms 500]
         [--commit-timeout-ms 2000] [--inquire-ms 500]`;

export function parseTwoPcArguments(argv: readonly string[]): TwoPcNodeConfig {
  const { common, values } = parseNodeArgs(
    argv,
    {
      protocol: { type: "string", default: "2pc" },
      "vote-timeout-ms": { type: "string", default: "1000" },
      "lock-wait-ms": { type: "string", default: "500" },
      "commit-timeout-ms": { type: "string", default: "2000" },
      "inquire-ms": { type: "string", default: "500" },
    },
    USAGE,
  );
  const protocol = values.protocol;
  if (protocol !== "2pc" && protocol !== "3pc") throw new Error(`--protocol must be 2pc or 3pc, got '${String(protocol)}'\n${USAGE}`);
  /** Milliseconds to ticks, at least one. */
  const ticks = (flag: string) => Math.max(1, Math.round(positiveInteger(flag, String(values[flag])) / common.tickMs));
  const voteTimeoutTicks = ticks("vote-timeout-ms");
  const inquireTicks = ticks("inquire-ms");
  return {
    ...common,
    protocol,
    timing: {
      voteTimeoutTicks,
      lockWaitTicks: ticks("lock-wait-ms"),
      inquireTicks,
      resendTicks: inquireTicks,
      // A participant that said yes to canCommit waits as long as its coordinator waits for votes.
      canCommitTimeoutTicks: voteTimeoutTicks,
      commitTimeoutTicks: ticks("commit-timeout-ms"),
    },
  };
}
