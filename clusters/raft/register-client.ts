// The register workload's client for our Raft nodes: read → GET, write → SET, cas → CAS.
// It follows REDIRECTs to the leader (a bounded number of hops) and maps every outcome to what
// the history must say:
//   ok    the command took effect (cas: it swapped)
//   fail  it definitely did not take effect: refused before proposing (REDIRECT, NOLEADER),
//         ABORTED, a CAS that did not match, a connection that failed before anything was sent;
//         and any read that did not complete (a read changes nothing, so it did not happen)
//   info  a write or cas whose fate is unknown: UNKNOWN, a timeout, a connection lost after sending

import type { Redis } from "ioredis";
import type { Client } from "../system.ts";
import type { Completion, Invocation } from "../../harness/op.ts";
import { CAS_ABSENT } from "./kv/state-machine.ts";
import { createConnection, type Endpoint } from "./redis-connection.ts";

/** REDIRECT hops one invoke may follow before giving up with fail. */
const MAX_REDIRECTS = 3;

type Attempt = { kind: "done"; completion: Completion } | { kind: "redirect"; leader: string };

class AbortedError extends Error {}

export class RegisterClient implements Client {
  private readonly connections = new Map<string, Redis>();

  /** `endpoint` resolves a node name (the home node, or a leader named in a REDIRECT). */
  constructor(
    private readonly home: string,
    private readonly endpoint: (node: string) => Endpoint | undefined,
  ) {}

  async invoke(op: Invocation, signal: AbortSignal): Promise<Completion> {
    let node = this.home;
    const visited: string[] = [];
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      visited.push(node);
      const attempt = await this.attempt(node, op, signal);
      if (attempt.kind === "done") return attempt.completion;
      node = attempt.leader;
    }
    return { type: "fail", node, error: `gave up after ${MAX_REDIRECTS} redirects (${visited.join(" → ")}); nothing was proposed` };
  }

  async close(): Promise<void> {
    for (const redis of this.connections.values()) redis.disconnect();
    this.connections.clear();
  }

  private async attempt(node: string, op: Invocation, signal: AbortSignal): Promise<Attempt> {
    const done = (completion: Completion): Attempt => ({ kind: "done", completion: { ...completion, node } });
    if (signal.aborted) return done({ type: "fail", error: "op timed out before it was sent" });
    const command = this.prepare(op);
    if (typeof command === "string") return done({ type: "fail", error: `register client: ${command}; nothing was sent` });
    const endpoint = this.endpoint(node);
    if (!endpoint) return done({ type: "fail", error: `no address for node ${node}; nothing was sent` });

    let redis: Redis;
    try {
      redis = await abortable(this.connect(endpoint), signal);
    } catch (error) {
      this.drop(node);
      return done({ type: "fail", error: `could not connect to ${node} (${endpoint.host}:${endpoint.port}) before sending: ${(error as Error).message}` });
    }

    try {
      const completion = await abortable(command(redis), signal);
      return done(completion);
    } catch (error) {
      if (error instanceof AbortedError) {
        // A late reply would answer the next command on this connection: start afresh.
        this.drop(node);
        return done(indeterminate(op, "op timed out after it was sent"));
      }
      const failure = error as Error;
      if (failure.name === "ReplyError") return this.fromErrorReply(failure.message, op, done);
      if (/Stream isn't writeable/.test(failure.message)) {
        this.drop(node);
        return done({ type: "fail", error: `connection to ${node} was not writable; nothing was sent` });
      }
      this.drop(node);
      return done(indeterminate(op, `connection to ${node} failed after sending: ${failure.message}`));
    }
  }

  private fromErrorReply(message: string, op: Invocation, done: (completion: Completion) => Attempt): Attempt {
    const [code, ...rest] = message.split(" ");
    switch (code) {
      case "REDIRECT":
        return rest[0] ? { kind: "redirect", leader: rest[0] } : done({ type: "fail", error: message });
      case "UNKNOWN":
        return done(indeterminate(op, message));
      // REDIRECT without a leader, NOLEADER, ABORTED, ERR, WRONGTYPE, EXECABORT: the command was
      // refused or applied without effect.
      default:
        return done({ type: "fail", error: message });
    }
  }

  /** The command for `op`, checked before anything is sent. */
  private prepare(op: Invocation): ((redis: Redis) => Promise<Completion>) | string {
    const key = `register:${op.key ?? "default"}`;
    switch (op.f) {
      case "read":
        return async (redis) => {
          const value = await redis.get(key);
          return { type: "ok", value: value === null ? null : registerValue(value) };
        };
      case "write":
        return async (redis) => {
          await redis.set(key, String(op.value));
          return { type: "ok" };
        };
      case "cas": {
        const pair = casPair(op.value);
        if (!pair) return `cas value must be [expected, new] numbers, got ${JSON.stringify(op.value)}`;
        const [expected, next] = pair;
        return async (redis) => {
          const swapped = await redis.call("CAS", key, expected === null ? CAS_ABSENT : String(expected), String(next));
          return swapped === 1 ? { type: "ok" } : { type: "fail", error: "cas: the register did not hold the expected value" };
        };
      }
      default:
        return `unknown op f=${op.f}; the register client does read, write and cas`;
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

/** A read that did not complete changed nothing: fail. A write or cas may have happened: info. */
function indeterminate(op: Invocation, error: string): Completion {
  return op.f === "read" ? { type: "fail", error: `${error} (a read has no effect, so it did not happen)` } : { type: "info", error };
}

function casPair(value: unknown): [number | null, number] | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [expected, next] = value as unknown[];
  if (typeof next !== "number" || (expected !== null && typeof expected !== "number")) return undefined;
  return [expected, next];
}

/** Registers hold numbers; anything else is reported as read, for the checker to judge. */
function registerValue(text: string): number | string {
  const value = Number(text);
  return text !== "" && Number.isFinite(value) ? value : text;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new AbortedError());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new AbortedError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
