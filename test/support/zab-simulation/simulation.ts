// ZAB in the seeded simulation (../simulation/): the protocol adapter and the ZAB settings a seed
// picks. Used by clusters/zab/core/simulation.test.ts (thousands of seeds).

import type { Rng } from "../../../harness/rng.ts";
import { DEFAULT_TIMEOUTS, type Message, type ServerId, type ZabBugs } from "../../../clusters/zab/core/types.ts";
import { formatZxid, type Zxid } from "../../../clusters/zab/core/zxid.ts";
import { seededOptions, type SimulationOptions } from "../simulation/options.ts";
import type { SimulatedProtocol } from "../simulation/protocol.ts";
import { runSimulation, type SimulationResult } from "../simulation/simulation.ts";
import type { SafetyViolation } from "../simulation/violation.ts";
import { describeMessage } from "./describe.ts";
import { ZabSafetyChecker } from "./safety-checker.ts";
import { ZabSimNode, type ServerSettings } from "./simulated-node.ts";

export interface ZabSimulationOptions extends SimulationOptions {
  bugs?: ZabBugs;
  /** How many of the servers (the highest-numbered) are observers. */
  observers?: number;
  finalizeTicks?: number;
}

class ZabProtocol implements SimulatedProtocol<Message, Zxid> {
  private readonly checker: ZabSafetyChecker;
  private readonly settings: ServerSettings;

  constructor(options: ZabSimulationOptions) {
    this.checker = new ZabSafetyChecker(options.recordViolations ? "record" : "throw");
    // At least two voters: an ensemble of one voter is not what observers are for.
    const observerCount = Math.min(options.observers ?? 0, options.nodes - 2);
    const servers: ServerId[] = Array.from({ length: options.nodes }, (_, i) => i + 1);
    this.settings = {
      ...DEFAULT_TIMEOUTS,
      // Pings every other tick, as the Raft simulation's heartbeats: half the messages.
      heartbeatTicks: 2,
      voters: servers.slice(0, options.nodes - observerCount),
      observers: servers.slice(options.nodes - observerCount),
      finalizeTicks: options.finalizeTicks ?? DEFAULT_TIMEOUTS.finalizeTicks,
      bugs: options.bugs ?? {},
    };
  }

  get violations(): readonly SafetyViolation[] {
    return this.checker.violations;
  }

  createNode(id: ServerId, random: Rng): ZabSimNode {
    return new ZabSimNode(id, this.settings, random, this.checker);
  }

  committed(): number {
    return this.checker.deliveredCount;
  }

  isCommitted(zxid: Zxid): boolean {
    return this.checker.wasDelivered(zxid);
  }

  carriesSnapshot(message: Message): boolean {
    return message.type === "sync" && message.snapshot !== undefined;
  }

  describeMessage(message: Message): string {
    return describeMessage(message);
  }

  describePosition(zxid: Zxid): string {
    return formatZxid(zxid);
  }
}

export function runZabSimulation(options: ZabSimulationOptions): SimulationResult {
  return runSimulation(options, new ZabProtocol(options));
}

/** Everything a seed decides about a run (ensemble size, fault mix, observers, finalize wait), so
 *  that the seed alone replays it. Overrides win. */
export function optionsForSeed(seed: number, overrides: Partial<ZabSimulationOptions> = {}): ZabSimulationOptions {
  return seededOptions<ZabSimulationOptions>(
    seed,
    (random) => ({
      // Mostly voters only; sometimes one observer (two of five), which must change nothing.
      observers: random.pick([0, 0, 1, 2]),
      finalizeTicks: random.pick([0, 2]),
    }),
    overrides,
  );
}
