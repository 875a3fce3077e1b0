// The one client shell every system's clients share. A workload's planner says what an op sends
// (one planner per workload, in the system's planner record); the system's session sends it and
// knows what its errors mean. What every client must record alike lives here once:
//   fail "nothing was sent"  the client was closed, the planner refused the op, the op's timeout
//                            passed before sending, or the session could not send now
//   the session's mapping    an error thrown while sending: fail only when the op certainly did
//                            not take effect, info whenever it may have (SYSTEMS.md 5)

import type { Client } from "../../harness/interpreter/client.ts";
import type { Completion, Invocation } from "../../harness/op.ts";
import type { ClusterContext, OpenClient } from "../system.ts";

/** Turns one workload's invocations into plans a system's session can carry out. */
export interface Planner<Plan> {
  /** The plan for `op`, or why it cannot be carried out (then nothing is sent: fail). */
  plan(op: Invocation): Plan | string;
}

/** The plan of systems that carry an op out as calls on one connection (all but SQL transactions). */
export interface OpPlan<Connection> {
  /** The op changes nothing: when its outcome is unknown it did not happen (fail, not info). */
  readOnly: boolean;
  /** Sends the op's calls and says how it ended. Errors are thrown and mapped by the session; a
   *  plan catches only what it can judge better (a compare that failed, a node that exists). */
  run(connection: Connection, signal: AbortSignal): Promise<Completion>;
}

/** One client process's link to a system: the part each system writes. */
export interface Session<Plan> {
  /** Why nothing can be sent right now (no session, no connection to the primary); undefined when
   *  the op may be sent. Asked after planning, just before sending. */
  unready?(): Promise<string | undefined>;
  /** Sends the plan and says how the op ended. May set the completion's node (a redirect); the
   *  client's own node is recorded otherwise. */
  perform(plan: Plan, signal: AbortSignal): Promise<Completion>;
  /** What an error thrown by perform() means for the history, by the system's own rules. */
  outcome(error: unknown, plan: Plan): Completion;
  close(): Promise<void>;
}

export class PlannedClient<Plan> implements Client {
  private closed = false;

  constructor(
    /** Names the system in messages ("the etcd client was closed …"). */
    private readonly system: string,
    /** The node this client process is bound to. */
    private readonly node: string,
    private readonly planner: Planner<Plan>,
    readonly session: Session<Plan>,
  ) {}

  async invoke(op: Invocation, signal: AbortSignal): Promise<Completion> {
    const node = this.node;
    if (this.closed) return { type: "fail", node, error: `the ${this.system} client was closed before this op; nothing was sent` };
    const plan = this.planner.plan(op);
    if (typeof plan === "string") return { type: "fail", node, error: `${plan}; nothing was sent` };
    if (signal.aborted) return { type: "fail", node, error: "the op timed out before it was sent" };
    const unready = await this.session.unready?.();
    if (unready !== undefined) return { type: "fail", node, error: `not sent: ${unready}` };
    try {
      return { node, ...(await this.session.perform(plan, signal)) };
    } catch (error) {
      return { node, ...this.session.outcome(error, plan) };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.session.close();
  }
}

/** An op whose call did not complete: one that changes nothing did not happen (fail); any other
 *  may have (info, which itself says the outcome is unknown, so the reason stands alone). */
export function unfinished(plan: { readOnly: boolean }, reason: string): Completion {
  return plan.readOnly ? { type: "fail", error: `${reason} (the op changes nothing, so it did not happen)` } : { type: "info", error: reason };
}

/** An error's message, for a completion's error. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A system's clients record from its planner record: for each workload, open the system's client
 *  with that workload's planner. */
export function clientsFrom<MakePlanner>(
  planners: Readonly<Record<string, MakePlanner>>,
  open: (makePlanner: MakePlanner, ctx: ClusterContext, node: string, workload: string) => Promise<Client>,
): Readonly<Record<string, OpenClient>> {
  return Object.fromEntries(Object.entries(planners).map(([workload, makePlanner]): [string, OpenClient] => [workload, (ctx, node) => open(makePlanner, ctx, node, workload)]));
}
