// One logical client process talking to one etcd member (its node), so that what a member on
// either side of a partition does shows in the history (SEEDS C4). The workload's planner
// (planners.ts) says which calls an op makes; the session sends them on the member's connection.

import type { Etcd3 } from "etcd3";
import type { Client } from "../../harness/interpreter/client.ts";
import type { Completion } from "../../harness/op.ts";
import { PlannedClient, type Planner, type Session } from "../client/planned-client.ts";
import { untilAborted } from "../client/timeout.ts";
import type { ClusterContext } from "../system.ts";
import { connectToMember } from "./connection.ts";
import { etcdOptions, type EtcdOptions } from "./options.ts";
import { etcdOutcome } from "./outcome.ts";
import type { EtcdPlan } from "./planners.ts";

class EtcdSession implements Session<EtcdPlan> {
  private readonly etcd: Etcd3;

  constructor(
    private readonly node: string,
    endpoint: { host: string; port: number },
  ) {
    this.etcd = connectToMember(endpoint.host, endpoint.port);
  }

  perform(plan: EtcdPlan, signal: AbortSignal): Promise<Completion> {
    return untilAborted(plan.run(this.etcd, signal), signal);
  }

  outcome(error: unknown, plan: EtcdPlan): Completion {
    return etcdOutcome(error, plan, this.node);
  }

  async close(): Promise<void> {
    this.etcd.close();
  }
}

export async function openEtcdClient(makePlanner: (options: EtcdOptions) => Planner<EtcdPlan>, ctx: ClusterContext, node: string): Promise<Client> {
  const info = ctx.runtime.node(node);
  const planner = makePlanner(etcdOptions.parse(ctx.options));
  return new PlannedClient("etcd", node, planner, new EtcdSession(node, { host: info.host, port: info.clientPort }));
}
