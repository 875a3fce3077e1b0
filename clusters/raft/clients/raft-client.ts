// One client process's link to a Raft cluster, shared by every workload's client: it sends an op's
// commands to the process's home node, follows REDIRECTs to the leader (a bounded number of hops),
// and maps every outcome to what the history must say:
//   ok    the op took effect
//   fail  it definitely did not take effect: refused before proposing (REDIRECT, NOLEADER),
//         ABORTED, refused by the state machine (ERR, WRONGTYPE, EXECABORT), a connection that
//         failed before anything was sent; and any read-only op that did not complete (it changes
//         nothing, so it did not happen)
//   info  an op that changes state and whose fate is unknown: UNKNOWN, a timeout, a connection
//         lost after sending, a transaction applied with errors
// What an op sends, and what its completion says when it did complete, is the workload's part (an
// OpPlanner in the file named after the workload).

import type { Redis } from "ioredis";
import type { Client } from "../../../harness/interpreter/client.ts";
import type { Completion, Invocation } from "../../../harness/op.ts";
import { createConnection, type Endpoint } from "../redis-connection.ts";
import { PartialTransactionError } from "./transaction.ts";
import { OpTimedOut, untilAborted } from "../../client-timeout.ts";

/** REDIRECT hops one op may follow before giving up with fail. */
const MAX_REDIRECTS = 3;

export interface OpPlan {
  /** The op changes nothing: when its outcome is unknown it is recorded fail, not info. */
  readOnly: boolean;
  /** Sends the op's commands and says how it ended. Error replies and connection failures are
   *  thrown and mapped by the client; a plan catches only what it can judge better (e.g. a
   *  transaction aborted by WATCH). It must leave the connection outside MULTI and with nothing
   *  WATCHed, however it ends, so that the next op starts clean. */
  run(redis: Redis): Promise<Completion>;
}

/** Turns one workload's invocations into plans. */
export interface OpPlanner {
  /** The plan for `op`, or why it cannot be carried out (then nothing is sent: fail). */
  plan(op: Invocation): OpPlan | string;
}

/** What every workload's client is opened with. */
export interface ClientSetup {
  /** The node this process is bound to; every op starts there. */
  home: string;
  /** Resolves a node name (the home node, or a leader named in a REDIRECT) to its address. */
  endpoint(node: string): Endpoint | undefined;
  /** The test spec's options, which the workload's checker sees too (bank's accounts, lock's lease). */
  options: Readonly<Record<string, unknown>>;
  /** Prefix of every key the client touches; defaults to the workload's name. Tests sharing one
   *  cluster give each client its own. */
  namespace?: string;
}

type Attempt = { kind: "done"; completion: Completion } | { kind: "redirect"; leader: string };

export class RaftClient implements Client {
  private readonly connections = new Map<string, Redis>();

  constructor(
    private readonly setup: Pick<ClientSetup, "home" | "endpoint">,
    private readonly planner: OpPlanner,
  ) {}

  async invoke(op: Invocation, signal: AbortSignal): Promise<Completion> {
    const plan = this.planner.plan(op);
    if (typeof plan === "string") return { type: "fail", node: this.setup.home, error: `${plan}; nothing was sent` };
    return this.perform(plan, signal);
  }

  /** Runs a plan with the same redirects and outcome mapping as an op (a client's setup step). */
  async perform(plan: OpPlan, signal: AbortSignal): Promise<Completion> {
    let node = this.setup.home;
    const visited: string[] = [];
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      visited.push(node);
      const attempt = await this.attempt(node, plan, signal);
      if (attempt.kind === "done") return attempt.completion;
      node = attempt.leader;
    }
    return { type: "fail", node, error: `gave up after ${MAX_REDIRECTS} redirects (${visited.join(" → ")}); nothing was proposed` };
  }

  async close(): Promise<void> {
    for (const redis of this.connections.values()) redis.disconnect();
    this.connections.clear();
  }

  private async attempt(node: string, plan: OpPlan, signal: AbortSignal): Promise<Attempt> {
    const done = (completion: Completion): Attempt => ({ kind: "done", completion: { ...completion, node } });
    if (signal.aborted) return done({ type: "fail", error: "op timed out before it was sent" });
    const endpoint = this.setup.endpoint(node);
    if (!endpoint) return done({ type: "fail", error: `no address for node ${node}; nothing was sent` });

    let redis: Redis;
    try {
      redis = await untilAborted(this.connect(endpoint), signal);
    } catch (error) {
      this.drop(node);
      return done({ type: "fail", error: `could not connect to ${node} (${endpoint.host}:${endpoint.port}) before sending: ${(error as Error).message}` });
    }

    try {
      return done(await untilAborted(plan.run(redis), signal));
    } catch (error) {
      if (error instanceof OpTimedOut) {
        // A late reply would answer the next command on this connection, and a multi-command plan
        // may still be half way: start afresh.
        this.drop(node);
        return done(indeterminate(plan, "op timed out after it was sent"));
      }
      const failure = error as Error;
      if (failure instanceof PartialTransactionError) return done(indeterminate(plan, failure.message));
      if (failure.name === "ReplyError") return this.fromErrorReply(failure.message, plan, done);
      this.drop(node);
      // ioredis refuses to send on a connection that is not open: nothing left this process.
      if (/Stream isn't writeable/.test(failure.message)) return done({ type: "fail", error: `connection to ${node} was not writable; nothing was sent` });
      return done(indeterminate(plan, `connection to ${node} failed after sending: ${failure.message}`));
    }
  }

  private fromErrorReply(message: string, plan: OpPlan, done: (completion: Completion) => Attempt): Attempt {
    const [code, ...rest] = message.split(" ");
    switch (code) {
      case "REDIRECT":
        return rest[0] ? { kind: "redirect", leader: rest[0] } : done({ type: "fail", error: message });
      case "UNKNOWN":
        return done(indeterminate(plan, message));
      // REDIRECT without a leader, NOLEADER, ABORTED, ERR, WRONGTYPE, EXECABORT: the command was
      // refused or applied without effect.
      default:
        return done({ type: "fail", error: message });
    }
  }

  private async connect(endpoint: Endpoint): Promise<Redis> {
    const existing = this.connections.get(endpoint.node);
    if (existing?.status === "ready") return existing;
    existing?.disconnect();
    const redis = createConnection(endpoint);
    this.connections.set(endpoint.node, redis);
    await redis.connect();
    return redis;
  }

  private drop(node: string): void {
    this.connections.get(node)?.disconnect();
    this.connections.delete(node);
  }
}

/** An op that changes nothing did not happen if it did not complete: fail. Any other may have: info. */
function indeterminate(plan: OpPlan, error: string): Completion {
  return plan.readOnly ? { type: "fail", error: `${error} (the op changes nothing, so it did not happen)` } : { type: "info", error };
}
