// Raft in the seeded simulation (../simulation/): the protocol adapter, the Raft settings a seed
// picks, and the fault mix that finds Raft's Figure 8. Used by
// clusters/raft/core/simulation.test.ts (thousands of seeds).

import type { Rng } from "../../../harness/rng.ts";
import type { CoreBugs, Message, NodeId } from "../../../clusters/raft/core/types.ts";
import { seededOptions, type SimulationOptions } from "../simulation/options.ts";
import type { SimulatedProtocol } from "../simulation/protocol.ts";
import { runSimulation, type SimulationResult } from "../simulation/simulation.ts";
import type { SafetyViolation } from "../simulation/violation.ts";
import { describeMessage } from "./describe.ts";
import { RaftSafetyChecker } from "./safety-checker.ts";
import { RaftSimNode, highestTerm, type NodeSettings, type RaftWrite } from "./simulated-node.ts";

export interface RaftSimulationOptions extends SimulationOptions {
  bugs?: CoreBugs;
  /** Share of client proposals that become a membership change (one server out or in). */
  membershipRate?: number;
  maxEntriesPerMessage?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
}

class RaftProtocol implements SimulatedProtocol<Message, RaftWrite> {
  private readonly nodes: RaftSimNode[] = [];
  private readonly checker: RaftSafetyChecker;
  private readonly settings: NodeSettings;
  private readonly membershipRate: number;

  constructor(options: RaftSimulationOptions) {
    this.membershipRate = options.membershipRate ?? 0;
    this.checker = new RaftSafetyChecker(options.recordViolations ? "record" : "throw");
    this.settings = {
      voters: Array.from({ length: options.nodes }, (_, i) => i + 1),
      electionTicks: 10,
      heartbeatTicks: 2,
      preVote: options.preVote ?? true,
      checkQuorum: options.checkQuorum ?? true,
      maxInflight: 8,
      maxEntriesPerMessage: options.maxEntriesPerMessage ?? 64,
      bugs: options.bugs ?? {},
    };
  }

  get violations(): readonly SafetyViolation[] {
    return this.checker.violations;
  }

  createNode(id: NodeId, random: Rng): RaftSimNode {
    const node = new RaftSimNode(id, this.settings, random, this.checker, () => highestTerm(this.nodes), this.membershipRate);
    this.nodes.push(node);
    return node;
  }

  committed(): number {
    return this.checker.maxCommitted;
  }

  faultsOff(): void {
    for (const node of this.nodes) node.settling = true;
  }

  get configCommits(): number {
    return this.checker.configCommits;
  }

  isCommitted(write: RaftWrite): boolean {
    return this.checker.committedTerm(write.index) === write.term;
  }

  carriesSnapshot(message: Message): boolean {
    return message.type === "installSnapshot";
  }

  describeMessage(message: Message): string {
    return describeMessage(message);
  }

  describePosition(write: RaftWrite): string {
    return `${write.index}@${write.term}`;
  }
}

export function runRaftSimulation(options: RaftSimulationOptions): SimulationResult {
  return runSimulation(options, new RaftProtocol(options));
}

/** A run, and how many membership changes it committed (proof that the changes happened). */
export function runRaftSimulationCountingChanges(options: RaftSimulationOptions): { result: SimulationResult; configCommits: number } {
  const protocol = new RaftProtocol(options);
  const result = runSimulation(options, protocol);
  return { result, configCommits: protocol.configCommits };
}

/** Everything a seed decides about a run (cluster size, fault mix, Raft configuration), so that
 *  the seed alone replays it. Overrides win. */
export function optionsForSeed(seed: number, overrides: Partial<RaftSimulationOptions> = {}): RaftSimulationOptions {
  return seededOptions<RaftSimulationOptions>(
    seed,
    (random) => ({
      maxEntriesPerMessage: random.pick([1, 2, 64]),
      // Mostly the production setting; sometimes without pre-vote or check-quorum, which must
      // be just as safe.
      preVote: random.bool(0.75),
      checkQuorum: random.bool(0.75),
    }),
    overrides,
  );
}

/** The fault mix that finds Figure-8 histories fastest (commitOldTerm): three nodes, one entry
 *  per message, and leaders isolated right after election or right after a commit. */
export const FIGURE_8_HUNT: Partial<RaftSimulationOptions> = {
  nodes: 3,
  maxEntriesPerMessage: 1,
  faults: { dropRate: 0, duplicateRate: 0, longDelayRate: 0, partitionRate: 0, crashRate: 0, isolateNewLeaderRate: 0.5, isolateOnCommitRate: 0.3, partitionTicksMin: 10, partitionTicksMax: 40, proposeRate: 1 },
};

/** Membership changes in the mix: five nodes (so that a voter can leave while a majority stays),
 *  one proposal in ten a change, and the usual faults. */
export const MEMBERSHIP_MIX: Partial<RaftSimulationOptions> = { nodes: 5, membershipRate: 0.1 };
