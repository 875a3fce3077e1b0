// Faultline's own two- and three-phase commit as a system under test (SEEDS.md C10): every node a
// participant holding a shard of the keys (a durable key-value store with locks and a redo/undo
// log) and the coordinator of the transactions its own clients send (core/types.ts says why).
// Clients run the bank workload with the accounts spread over the participants. Peer traffic is
// our frames, so on the local runtime it passes the fault proxy.
//
// What the seeds predict, and a run shows:
//   2pc  a node killed between its phases leaves its transactions prepared on the others, who
//        may not decide alone: their locks stay held until it is back, transactions that need
//        those keys fail as blocked, and the totals never change.
//   3pc  a pre-committed participant that hears nothing commits on its own; cut off by a partition
//        from a coordinator that aborts, it commits what the others undo — money is created or
//        destroyed, and the bank checker's reads show it.

import { nodeProgramArgs } from "../../harness/source-path.ts";
import type { Claims, ClusterContext, System } from "../system.ts";
import { OWN_NODES_IMAGE, restartTextbookNode, startTextbookCluster, stopTextbookCluster, textbookFaultHooks, textbookProcessSpec } from "../textbook/system-kit.ts";
import { watchRaftEvents } from "../raft/events-watch.ts";
import { twopcClients } from "./client.ts";
import { TWOPC_OPTION_FLAGS, twopcOptions } from "./options.ts";

/** How `node` runs main.ts: compiled when the harness runs compiled, else through tsx. */
const MAIN_PROGRAM = nodeProgramArgs(import.meta.url, "./main");

const COMMON_NOTES = [
  "every node holds a shard of the keys and coordinates its own clients' transactions; a transaction's participants are the nodes holding its keys",
  "every participant of a transaction must answer: one that is down or cut off aborts the transactions that need it, whichever side of a partition holds a majority",
];

const CLAIMS: Record<"2pc" | "3pc", Claims> = {
  "2pc": {
    model: "serializable",
    cap: "CP",
    serving: "no-side",
    notes: [
      ...COMMON_NOTES,
      "atomic: a prepared participant never decides alone; it holds its locks until its coordinator's decision reaches it, so a coordinator lost between the phases blocks every transaction that needs those keys",
    ],
  },
  "3pc": {
    model: "serializable",
    cap: "CP",
    serving: "no-side",
    notes: [
      ...COMMON_NOTES,
      "non-blocking: a participant that voted yes and hears nothing aborts; one that pre-committed and hears nothing commits on its own after commitTimeoutMs",
      "the seeds (SEEDS.md C10) predict that under a partition the abort does not reach a pre-committed participant, which then commits what the others aborted",
    ],
  },
};

export function nodeProcessSpec(ctx: ClusterContext, node: string) {
  const options = twopcOptions.parse(ctx.options);
  if (ctx.bugs.length > 0) throw new Error(`twopc has no bug switches, got ${ctx.bugs.join(", ")}; choose the protocol with --opt protocol=2pc|3pc`);
  const flags = Object.entries(TWOPC_OPTION_FLAGS).flatMap(([option, flag]) => [flag, String(options[option as keyof typeof TWOPC_OPTION_FLAGS])]);
  return textbookProcessSpec(ctx, node, MAIN_PROGRAM, flags);
}

export const twopcSystem: System = {
  name: "twopc",
  description: "Faultline's own two-phase (--opt protocol=2pc) or three-phase (3pc) commit over key-value participants with locks and redo/undo logs: bank transfers across participants",
  claims: CLAIMS["2pc"],
  claimsFor: (options) => CLAIMS[twopcOptions.parse(options).protocol],
  clients: twopcClients,
  options: twopcOptions,
  bugs: [],
  runtimes: ["local", "docker"],
  defaultNodes: 3,
  docker: { image: OWN_NODES_IMAGE, clientPort: 7000, peerPort: 7100, mountRepo: true },
  // The nodes publish on the channel our Raft nodes use, on their client port: the same watcher.
  faults: { ...textbookFaultHooks, events: { kinds: ["prepared", "decided"], watch: watchRaftEvents } },

  async setup(ctx) {
    const options = twopcOptions.parse(ctx.options);
    await startTextbookCluster(ctx, "twopc", (node) => nodeProcessSpec(ctx, node));
    ctx.log(`twopc: ${ctx.nodes.length} nodes up, protocol ${options.protocol}`);
  },

  restartNode: (ctx, node) => restartTextbookNode(ctx, "twopc", node),

  teardown: (ctx) => stopTextbookCluster(ctx, "twopc"),
};
