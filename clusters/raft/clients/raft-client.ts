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
// What an op sends, and what its completion says when it did complete, is the workload's part (a
// planner in the file named after the workload; planners.ts holds the record of them).

import type { Redis } from "ioredis";
import type { Client } from "../../../harness/interpreter/client.ts";
import type { Completion } from "../../../harness/op.ts";
import { PlannedClient, messageOf, unfinished, type OpPlan, type Planner, type Session } from "../../client/planned-client.ts";
import { OpTimedOut, untilAborted } from "../../client/timeout.ts";
import { createConnection, type Endpoint } from "../redis-connection.ts";
import { PartialTransactionError } from "./transaction.ts";

/** REDIRECT hops one op may follow before giving up with fail. */
const MAX_REDIRECTS = 3;
/** How long opening a client may spend on its planner's opening step (bank creates its accounts;
 *  the op that opens the client gives up at its own timeout, usually sooner). */
const OPENING_TIMEOUT_MS = 10_000;

/** A plan's commands must leave the connection outside MULTI and with nothing WATCHed, however
 *  they end, so that the next op starts clean. */
export type RaftPlan = OpPlan<Redis>;

export interface RaftPlanner extends Planner<RaftPlan> {
  /** Run once as the client opens, with the same redirects and outcome mapping as an op (bank
   *  creates its accounts); opening fails unless it ends ok. */
  opening?(): RaftPlan;
}

/** What each workload's planner is made with. */
export interface PlannerSetup {
  /** Prefix of every key the client touches: the workload's name, or the test's own when tests
   *  share one cluster. */
  namespace: string;
  /** The test spec's options, which the workload's checker sees too (bank's accounts, lock's lease). */
  options: Readonly<Record<string, unknown>>;
}

/** What every workload's client is opened with. */
export interface ClientSetup extends PlannerSetup {
  /** The node this process is bound to; every op starts there. */
  home: string;
  /** Resolves a node name (the home node, or a leader named in a REDIRECT) to its address. */
  endpoint(node: string): Endpoint | undefined;
}

type Attempt = { kind: "done"; completion: Completion } | { kind: "redirect"; leader: string };

class RaftSession implements Session<RaftPlan> {
  private readonly connections = new Map<string, Redis>();

  constructor(private readonly setup: Pick<ClientSetup, "home" | "endpoint">) {}

  async perform(plan: RaftPlan, signal: AbortSignal): Promise<Completion> {
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

  /** perform() maps every failure it meets itself; this is for one it did not foresee. */
  outcome(error: unknown, plan: RaftPlan): Completion {
    return unfinished(plan, messageOf(error));
  }

  async close(): Promise<void> {
    for (const redis of this.connections.values()) redis.disconnect();
    this.connections.clear();
  }

  private async attempt(node: string, plan: RaftPlan, signal: AbortSignal): Promise<Attempt> {
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
      return done(await untilAborted(plan.run(redis, signal), signal));
    } catch (error) {
      if (error instanceof OpTimedOut) {
        // A late reply would answer the next command on this connection, and a multi-command plan
        // may still be half way: start afresh.
        this.drop(node);
        return done(unfinished(plan, "op timed out after it was sent"));
      }
      const failure = error as Error;
      if (failure instanceof PartialTransactionError) return done(unfinished(plan, failure.message));
      if (failure.name === "ReplyError") return this.fromErrorReply(failure.message, plan, done);
      this.drop(node);
      // ioredis refuses to send on a connection that is not open: nothing left this process.
      if (/Stream isn't writeable/.test(failure.message)) return done({ type: "fail", error: `connection to ${node} was not writable; nothing was sent` });
      return done(unfinished(plan, `connection to ${node} failed after sending: ${failure.message}`));
    }
  }

  private fromErrorReply(message: string, plan: RaftPlan, done: (completion: Completion) => Attempt): Attempt {
    const [code, ...rest] = message.split(" ");
    switch (code) {
      case "REDIRECT":
        return rest[0] ? { kind: "redirect", leader: rest[0] } : done({ type: "fail", error: message });
      case "UNKNOWN":
        return done(unfinished(plan, message));
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

/** Opens one client process's client for a workload: its planner on a session bound to `home`. */
export async function openRaftClient(setup: ClientSetup, makePlanner: (setup: PlannerSetup) => RaftPlanner): Promise<Client> {
  const planner = makePlanner(setup);
  const session = new RaftSession(setup);
  const opening = planner.opening?.();
  if (opening) {
    const opened = await session.perform(opening, AbortSignal.timeout(OPENING_TIMEOUT_MS));
    if (opened.type !== "ok") {
      await session.close();
      throw new Error(`raft: opening the ${setup.namespace} client on ${opened.node ?? setup.home} ended ${opened.type}: ${opened.error ?? "no reason given"}`);
    }
  }
  return new PlannedClient("raft", setup.home, planner, session);
}
