// Faultline's own leaderless quorum store as a system under test (SEEDS.md C11 and write-all-read-
// one): every key on n replicas with versioned values, and every node the coordinator of its own
// clients' reads and writes (core/types.ts). Clients run the register workload with reads and
// writes only (workloadDefaults: model=register; a quorum has no compare-and-set). Peer traffic is
// our frames, so on the local runtime it passes the fault proxy.
//
// What the seeds predict, and a run shows:
//   w+r ≤ n              a read may miss a completed write: stale reads
//   w+r > n              every read meets every completed write — yet without write-back a read
//                        that sees a write still in progress and a later one that does not
//                        disagree: not linearizable under concurrency (claimed as such)
//   w+r > n, write-back  a read first makes what it returns reach w replicas (ABD): linearizable
//   w=n, r=1             write-all-read-one: writes stop while any replica is down or cut off,
//                        reads go on while any replica is up

import { UsageError } from "../../harness/errors.ts";
import { nodeProgramArgs } from "../../harness/source-path.ts";
import type { Claims, ClusterContext, System } from "../system.ts";
import { OWN_NODES_IMAGE, restartTextbookNode, startTextbookCluster, stopTextbookCluster, textbookFaultHooks, textbookProcessSpec } from "../textbook/system-kit.ts";
import { quorumClients } from "./client.ts";
import { QUORUM_OPTION_FLAGS, quorumOptions, settingsProblem, type QuorumSettings } from "./options.ts";

/** How `node` runs main.ts: compiled when the harness runs compiled, else through tsx. */
const MAIN_PROGRAM = nodeProgramArgs(import.meta.url, "./main");

/** What the store claims at its settings — the seeds' reading (SEEDS.md C11), which runs then
 *  test: only write-back with w+r > n promises linearizable registers. */
export function quorumClaims(settings: Pick<QuorumSettings, "n" | "w" | "r" | "write-back" | "read-repair">): Claims {
  const { n, w, r } = settings;
  const majority = Math.floor(n / 2) + 1;
  const sizes = `n=${n} w=${w} r=${r}`;
  const writeAll = w === n && n > 1 ? [`write-all (w=n): a write needs every replica, so writes stop while any replica is down or cut off; reads go on wherever ${r} replica${r === 1 ? "" : "s"} answer${r === 1 ? "s" : ""}`] : [];
  const repair = settings["read-repair"] ? ["read repair: a read sends the newest copy it found to replicas that answered an older one"] : [];
  // A side of a partition serves only if it holds both quorums; with w or r above a majority of
  // the replicas, no side is sure to hold them.
  const serving = w > majority || r > majority ? { serving: "no-side" as const } : {};
  if (w + r <= n) {
    return {
      model: "eventual",
      // With single-replica quorums every side that holds a replica serves.
      cap: w === 1 && r === 1 ? "AP" : "CP",
      ...(w === 1 && r === 1 ? {} : serving),
      notes: [`${sizes}: w+r ≤ n, so a read may miss a completed write (stale reads); copies spread only through later writes${repair.length ? " and read repair" : ""}`, ...writeAll, ...repair],
    };
  }
  if (settings["write-back"]) {
    return {
      model: "linearizable",
      cap: "CP",
      ...serving,
      notes: [`${sizes}, write-back: a read makes the copy it returns reach w replicas before answering, and a write asks r replicas for the highest version first (multi-writer ABD): linearizable reads and writes`, ...writeAll],
    };
  }
  return {
    // Fresh, yet not linearizable: the strongest model of the list it keeps is eventual.
    model: "eventual",
    cap: "CP",
    // Every acknowledged write is on w replicas' disks and every read meets one of them.
    durable: true,
    ...serving,
    notes: [
      `${sizes}: w+r > n, so every read meets every completed write (no stale reads: a regular register)`,
      "not linearizable under concurrency: without write-back, a read that sees a write still in progress and a later read that misses it disagree — the seeds (SEEDS.md C11): a quorum alone cannot tell the latest committed version; --opt write-back=true makes it linearizable",
      ...writeAll,
      ...repair,
    ],
  };
}

export function nodeProcessSpec(ctx: ClusterContext, node: string) {
  const options = quorumOptions.parse(ctx.options);
  if (ctx.bugs.length > 0) throw new Error(`quorum has no bug switches, got ${ctx.bugs.join(", ")}; choose the quorums with --opt n=, w=, r=, write-back=`);
  const flags = Object.entries(QUORUM_OPTION_FLAGS).flatMap(([option, flag]) => [flag, String(options[option as keyof typeof QUORUM_OPTION_FLAGS])]);
  return textbookProcessSpec(ctx, node, MAIN_PROGRAM, flags);
}

export const quorumSystem: System = {
  name: "quorum",
  description: "Faultline's own leaderless replicated register: versioned values on n replicas, coordinator-side quorum reads (r) and writes (w), optional read repair and ABD write-back",
  claims: quorumClaims(quorumOptions.parse({})),
  // Settings that cannot run are refused at setup; claims for them are never judged.
  claimsFor: (options) => quorumClaims(quorumOptions.parse(options)),
  clients: quorumClients,
  options: quorumOptions,
  // No cas (a quorum has none), and values from a wide range: a read that flips back to an older
  // value names the write it saw, where five values would be rewritten too soon to tell.
  workloadDefaults: { register: { model: "register", valueRange: "1000" } },
  bugs: [],
  runtimes: ["local", "docker"],
  defaultNodes: 3,
  docker: { image: OWN_NODES_IMAGE, clientPort: 7000, peerPort: 7100, mountRepo: true },
  faults: textbookFaultHooks,

  async setup(ctx) {
    const settings = quorumOptions.parse(ctx.options);
    const problem = settingsProblem(settings, ctx.nodes.length);
    if (problem) throw new UsageError(problem);
    await startTextbookCluster(ctx, "quorum", (node) => nodeProcessSpec(ctx, node));
    ctx.log(`quorum: ${ctx.nodes.length} nodes up, n=${settings.n} w=${settings.w} r=${settings.r}, read repair ${settings["read-repair"]}, write-back ${settings["write-back"]}`);
  },

  restartNode: (ctx, node) => restartTextbookNode(ctx, "quorum", node),

  teardown: (ctx) => stopTextbookCluster(ctx, "quorum"),
};
