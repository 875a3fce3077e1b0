// One logical client process with a session on one server only (its node), so a client bound to a
// follower really reads from that follower. The workload's planner (planners.ts) says which
// requests an op makes; the session sends them, starting a new ZooKeeper session when the server
// has expired the old one.

import type { Client } from "../../harness/interpreter/client.ts";
import type { Completion } from "../../harness/op.ts";
import { PlannedClient, type Planner, type Session } from "../client/planned-client.ts";
import { untilAborted } from "../client/timeout.ts";
import type { ClusterContext } from "../system.ts";
import { ZkConnection } from "./connection.ts";
import { zooKeeperOptions, type ZooKeeperOptions } from "./options.ts";
import { zooKeeperOutcome } from "./outcome.ts";
import type { ZkPlan } from "./planners.ts";

/** How long an op waits for a session that is (re)connecting before failing unsent. */
const RECONNECT_GRACE_MS = 250;
/** How long opening a client waits for its session; ops fail fast (unsent) while there is none. */
const CLIENT_CONNECT_MS = 1000;

class ZooKeeperSession implements Session<ZkPlan> {
  private connection: ZkConnection;

  constructor(
    private readonly node: string,
    private readonly endpoint: { host: string; port: number },
  ) {
    this.connection = new ZkConnection(endpoint.host, endpoint.port);
  }

  waitConnected(timeoutMs: number): Promise<boolean> {
    return this.connection.waitConnected(timeoutMs);
  }

  async unready(): Promise<string | undefined> {
    if (this.connection.expired) {
      // The server ended the session (e.g. while the node was down): start a new one.
      this.connection.close();
      this.connection = new ZkConnection(this.endpoint.host, this.endpoint.port);
    }
    if (await this.connection.waitConnected(RECONNECT_GRACE_MS)) return undefined;
    return `no session with ${this.node} (state ${this.connection.state})`;
  }

  perform(plan: ZkPlan, signal: AbortSignal): Promise<Completion> {
    return untilAborted(plan.run(this.connection, signal), signal);
  }

  outcome(error: unknown, plan: ZkPlan): Completion {
    return zooKeeperOutcome(error, plan);
  }

  async close(): Promise<void> {
    this.connection.close();
  }
}

export async function openZooKeeperClient(makePlanner: (options: ZooKeeperOptions) => Planner<ZkPlan>, ctx: ClusterContext, node: string): Promise<Client> {
  const planner = makePlanner(zooKeeperOptions.parse(ctx.options));
  const info = ctx.runtime.node(node);
  const session = new ZooKeeperSession(node, { host: info.host, port: info.clientPort });
  await session.waitConnected(CLIENT_CONNECT_MS);
  return new PlannedClient("zookeeper", node, planner, session);
}
