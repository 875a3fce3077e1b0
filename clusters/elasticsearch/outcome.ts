// What an Elasticsearch request that did not answer normally means for the history, by HTTP status
// and Elasticsearch's error type (the "error.type" of the answer), and @elastic/transport's
// error classes.
//
//   fail  never sent: no connection could be made (ECONNREFUSED, EHOSTUNREACH, a connect timeout);
//         refused before any shard executed the write: 409 version_conflict_engine_exception
//         (if_seq_no/if_primary_term did not match — the system's answer; the set's op_type=create
//         conflict is info, decided in planners.ts: only that add writes its id),
//         429 es_rejected_execution_exception (queue full), 503 cluster_block_exception (no
//         master: "SERVICE_UNAVAILABLE/2/no master"), unavailable_shards_exception (the primary
//         was not active within the timeout: "the operation ... was not performed"),
//         index_not_found_exception; and every read that did not answer.
//   info  every other failure of a write: a timeout or a closed connection after the request went
//         out, and errors raised while the primary replicated it (the primary may have applied it;
//         Elasticsearch's replication docs: a write is acknowledged once every in-sync copy has it,
//         and a failed request says nothing about the copies that did apply it).
//
// Elasticsearch 8.17 reference: "Reading and writing documents" (docs-replication.html: the primary
// indexes, then forwards to the in-sync replicas; a replica that fails is removed from the in-sync
// set, and the write is acknowledged after the rest), "Optimistic concurrency control"
// (optimistic-concurrency-control.html: a failed if_seq_no/if_primary_term check is a 409 and the
// write is not applied), and the index API's wait_for_active_shards ("a check before the write
// starts": when it fails nothing was written).

import type { Completion } from "../../harness/op.ts";
import { messageOf, unfinished } from "../client/planned-client.ts";
import { OpTimedOut } from "../client/timeout.ts";

/** Error types that mean the write was not executed; true when it was the system's answer about
 *  the request itself, false when the node could not serve (unavailable). */
const NOT_EXECUTED: Readonly<Record<string, boolean>> = {
  version_conflict_engine_exception: true,
  index_not_found_exception: true,
  es_rejected_execution_exception: false,
  cluster_block_exception: false,
  unavailable_shards_exception: false,
  no_shard_available_action_exception: false,
};

const NOT_CONNECTED = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|connect ETIMEDOUT/;

interface TransportError {
  name?: string;
  message?: string;
  meta?: { statusCode?: number; body?: unknown };
}

/** Elasticsearch's error type from an answer's body ({error: {type}}), if any. */
export function errorType(error: unknown): string | undefined {
  const body = (error as TransportError).meta?.body as { error?: { type?: unknown } } | undefined;
  return typeof body?.error?.type === "string" ? body.error.type : undefined;
}

export function esOutcome(error: unknown, plan: { readOnly: boolean }, node: string): Completion {
  const message = messageOf(error);
  if (error instanceof OpTimedOut) return unfinished(plan, message);
  const { name, meta } = error as TransportError;
  if (name === "ConnectionError" && NOT_CONNECTED.test(message)) return { type: "fail", error: `not sent: no connection to ${node}: ${message}` };
  if (name === "ResponseError") {
    const type = errorType(error);
    const status = meta?.statusCode;
    const summary = `${status ?? "?"} ${type ?? "error"}: ${message}`.slice(0, 400);
    if (type !== undefined && Object.hasOwn(NOT_EXECUTED, type)) {
      return NOT_EXECUTED[type] ? { type: "fail", answered: true, error: `refused by ${node}: ${summary}` } : { type: "fail", error: `refused by ${node}: ${summary}` };
    }
    return unfinished(plan, summary);
  }
  return unfinished(plan, message);
}
