// Waiting for a cluster to come up (or a restarted node to answer): poll a check until it holds.
// A server that exits meanwhile will not come up by waiting, so a wait that watches the nodes it
// has just started ends at once and says why, from the end of the server's stderr (SYSTEMS.md 8:
// stderr first when something goes wrong).

import { setTimeout as sleep } from "node:timers/promises";
import type { Runtime } from "../runtime/runtime.ts";
import { UsageError } from "../../harness/errors.ts";

const DEFAULT_POLL_MS = 200;

/** A watched node's server exited while the harness waited for it to come up: it will not come
 *  up by waiting, and the cause is on this machine (a bad data directory, a port taken, a config
 *  the server refuses), not in the harness — so one line naming the node and the end of its
 *  stderr, exit 254 (a UsageError), never a crash trace. During the main phase a restart's error
 *  is recorded in its nemesis op like any other. */
export class ServerExitedError extends UsageError {
  override name = "ServerExitedError";
  constructor(
    message: string,
    readonly nodes: readonly string[],
  ) {
    super(message);
  }
}
/** A cluster that never became ready within its wait: the cause is the servers' (a config they
 *  refuse, a machine too loaded for their timeouts), and their logs say which — one line naming
 *  what was awaited and where to look, exit 254 (SYSTEMS.md 9: a cluster that never becomes ready
 *  is bad input, not a harness crash). */
export class SetupTimeoutError extends UsageError {
  override name = "SetupTimeoutError";
}

/** How much of a dead server's stderr an error quotes. */
const STDERR_TAIL_LINES = 20;

export interface WaitOptions {
  /** Names the system in errors. */
  system: string;
  /** What did not happen, for the error ("the members did not agree on a leader"); a function
   *  when it should say what the last check saw. */
  failure: string | (() => string);
  timeoutMs: number;
  pollMs?: number;
  /** Where to look after a timeout, for the error ("the nodes' stdout.log (etcd logs there)"). */
  logs: string;
  /** Nodes whose servers were just started and must stay up meanwhile. */
  watch?: readonly string[];
}

/** Resolves once `check` holds; throws after `timeoutMs`, or as soon as a watched node's server
 *  has exited (ServerExitedError, quoting its stderr). */
export async function waitUntil(runtime: Pick<Runtime, "state" | "stderrTail">, options: WaitOptions, check: () => Promise<boolean>): Promise<void> {
  const failure = () => (typeof options.failure === "string" ? options.failure : options.failure());
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    const exited = (options.watch ?? []).filter((node) => runtime.state(node) === "stopped");
    if (exited.length > 0) throw new ServerExitedError(await exitedMessage(runtime, options.system, exited, failure()), exited);
    await sleep(options.pollMs ?? DEFAULT_POLL_MS);
  }
  throw new SetupTimeoutError(`${options.system}: ${failure()} within ${options.timeoutMs} ms; see ${options.logs} for why`);
}

async function exitedMessage(runtime: Pick<Runtime, "stderrTail">, system: string, nodes: readonly string[], failure: string): Promise<string> {
  const tails = await Promise.all(
    nodes.map(async (node) => {
      const tail = await runtime.stderrTail(node, STDERR_TAIL_LINES).catch((error: unknown) => `(its stderr could not be read: ${(error as Error).message})`);
      return `${node}'s stderr ends with:\n${tail.trimEnd() || "(nothing)"}`;
    }),
  );
  return `${system}: the server on ${nodes.join(", ")} exited while starting (${failure}); ${tails.join("\n")}`;
}
