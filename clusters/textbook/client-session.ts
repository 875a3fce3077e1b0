// One client process's link to a textbook protocol node (twopc, quorum): a RESP connection to its
// home node (which coordinates what the client sends), and what each outcome means for the
// history, by the reply's error code (SYSTEMS.md 5):
//   ok    the plan's own completion
//   fail  a code the system documents as definite (ABORTED, NOQUORUM, ERR …), answered when it is
//         the system's own verdict on the op (REFUSED: insufficient funds); a connection that
//         failed before anything was sent; any read-only op that did not complete
//   info  UNKNOWN, a timeout after sending, a connection lost after sending — for an op that
//         changes state
// Each system lists its codes (TextbookErrorCodes); what its commands send is its planners' part.

import type { Redis } from "ioredis";
import type { Client } from "../../harness/interpreter/client.ts";
import type { Completion } from "../../harness/op.ts";
import { PlannedClient, messageOf, unfinished, type OpPlan, type Planner, type Session } from "../client/planned-client.ts";
import { OpTimedOut, untilAborted } from "../client/timeout.ts";
import { createConnection, type Endpoint } from "../raft/redis-connection.ts";

export type TextbookPlan = OpPlan<Redis>;

export interface TextbookPlanner extends Planner<TextbookPlan> {
  /** Run as the client opens (bank creates its accounts), again until it ends ok or the opening's
   *  time runs out: a transaction may lose a lock race with another client opening at once. */
  opening?(): TextbookPlan;
}

export interface TextbookErrorCodes {
  /** The op may have taken effect. */
  unknown: readonly string[];
  /** The op did not take effect because the system said no on its merits (it was available). */
  answered: readonly string[];
  /** Every other code is a definite failure. */
}

/** How long opening a client may retry its planner's opening step. */
const OPENING_TIMEOUT_MS = 15_000;
const OPENING_RETRY_MS = 50;

class TextbookSession implements Session<TextbookPlan> {
  private redis: Redis | undefined;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly codes: TextbookErrorCodes,
  ) {}

  async perform(plan: TextbookPlan, signal: AbortSignal): Promise<Completion> {
    let redis: Redis;
    try {
      redis = await untilAborted(this.connect(), signal);
    } catch (error) {
      this.drop();
      return { type: "fail", error: `could not connect to ${this.endpoint.node} (${this.endpoint.host}:${this.endpoint.port}) before sending: ${messageOf(error)}` };
    }
    return untilAborted(plan.run(redis, signal), signal);
  }

  outcome(error: unknown, plan: TextbookPlan): Completion {
    if (error instanceof OpTimedOut) {
      // A late reply would answer the next command on this connection: start afresh.
      this.drop();
      return unfinished(plan, "op timed out after it was sent");
    }
    const failure = error instanceof Error ? error : new Error(String(error));
    if (failure.name === "ReplyError") {
      const code = failure.message.split(" ")[0];
      if (this.codes.unknown.includes(code)) return unfinished(plan, failure.message);
      return this.codes.answered.includes(code) ? { type: "fail", answered: true, error: failure.message } : { type: "fail", error: failure.message };
    }
    this.drop();
    // ioredis refuses to send on a connection that is not open: nothing left this process.
    if (/Stream isn't writeable/.test(failure.message)) return { type: "fail", error: `connection to ${this.endpoint.node} was not writable; nothing was sent` };
    return unfinished(plan, `connection to ${this.endpoint.node} failed after sending: ${failure.message}`);
  }

  async close(): Promise<void> {
    this.drop();
  }

  private async connect(): Promise<Redis> {
    if (this.redis?.status === "ready") return this.redis;
    this.redis?.disconnect();
    const redis = createConnection(this.endpoint);
    this.redis = redis;
    await redis.connect();
    return redis;
  }

  private drop(): void {
    this.redis?.disconnect();
    this.redis = undefined;
  }
}

/** Opens one client process's client: its planner on a session bound to `endpoint`. */
export async function openTextbookClient(system: string, endpoint: Endpoint, codes: TextbookErrorCodes, planner: TextbookPlanner): Promise<Client> {
  const session = new TextbookSession(endpoint, codes);
  const opening = planner.opening?.();
  if (opening) {
    const deadline = Date.now() + OPENING_TIMEOUT_MS;
    let last: Completion | undefined;
    while (Date.now() < deadline) {
      try {
        last = await session.perform(opening, AbortSignal.timeout(Math.max(1, deadline - Date.now())));
      } catch (error) {
        last = session.outcome(error, opening);
      }
      if (last.type === "ok") break;
      await new Promise((resolve) => setTimeout(resolve, OPENING_RETRY_MS + Math.random() * OPENING_RETRY_MS));
    }
    if (last?.type !== "ok") {
      await session.close();
      throw new Error(`${system}: opening the client on ${endpoint.node} did not succeed within ${OPENING_TIMEOUT_MS} ms (last: ${last?.type ?? "not tried"}: ${last?.error ?? "no reason given"}); see the nodes' stdout.log`);
    }
  }
  return new PlannedClient(system, endpoint.node, planner, session);
}
