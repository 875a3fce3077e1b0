// One logical client process talking to one Elasticsearch node (its node): the workload's planner
// (planners.ts) says which requests an op makes; the session sends them on the node's client.

import type { Client as EsClient } from "@elastic/elasticsearch";
import type { Client } from "../../harness/interpreter/client.ts";
import type { Completion } from "../../harness/op.ts";
import { PlannedClient, type Planner, type Session } from "../client/planned-client.ts";
import { untilAborted } from "../client/timeout.ts";
import type { ClusterContext } from "../system.ts";
import { connectToNode } from "./connection.ts";
import { elasticsearchOptions, type ElasticsearchOptions } from "./options.ts";
import { esOutcome } from "./outcome.ts";
import type { EsPlan } from "./planners.ts";

class EsSession implements Session<EsPlan> {
  constructor(
    private readonly node: string,
    private readonly es: EsClient,
  ) {}

  perform(plan: EsPlan, signal: AbortSignal): Promise<Completion> {
    return untilAborted(plan.run(this.es, signal), signal);
  }

  outcome(error: unknown, plan: EsPlan): Completion {
    return esOutcome(error, plan, this.node);
  }

  async close(): Promise<void> {
    await this.es.close();
  }
}

export async function openEsClient(makePlanner: (options: ElasticsearchOptions) => Planner<EsPlan>, ctx: ClusterContext, node: string): Promise<Client> {
  const planner = makePlanner(elasticsearchOptions.parse(ctx.options));
  return new PlannedClient("elasticsearch", node, planner, new EsSession(node, connectToNode(ctx.runtime, node)));
}
