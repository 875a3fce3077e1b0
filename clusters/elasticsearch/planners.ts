// How each workload's ops become Elasticsearch requests, on the client's own node: one planner per
// workload, in one record (the system's clients are built from it). One index, "faultline".
//
// register  read   reads=get:    realtime GET of doc register-<key> (preference _local: the copy on
//                                the client's node when it has one) → number | null (not found)
//                  reads=search: a term query on the id, no refresh (what the last refresh made
//                                visible on the searched copy) → number | null
//           write  index {value} into register-<key>
//           cas    [old, new]: realtime GET (preference _local); fail unless it holds old; then
//                  index {value: new} with if_seq_no/if_primary_term of what was read, so that the
//                  write applies only if nothing changed the document in between (409 otherwise:
//                  fail, the system's answer)
// set       add    index {element} as doc set-<element>, op_type=create (a 409 "already exists" is
//                  info: only this add writes that id, so an internal retry of it got there first)
//           read   open a point in time, page through every document with an element, by search_after →
//                  the elements; a final read (value {final: true}) refreshes the index first, so it
//                  sees every write acknowledged before it

import type { Client } from "@elastic/elasticsearch";
import type { Invocation } from "../../harness/op.ts";
import type { OpPlan, Planner } from "../client/planned-client.ts";
import type { ElasticsearchOptions } from "./options.ts";

export const INDEX = "faultline";
const PAGE = 1000;

export type EsPlan = OpPlan<Client>;
type EsPlanner = Planner<EsPlan>;

function statusOf(error: unknown): number | undefined {
  return (error as { meta?: { statusCode?: number } }).meta?.statusCode;
}

function numberIn(source: unknown, id: string): number | null {
  const value = (source as { value?: unknown } | undefined)?.value;
  if (value === undefined || value === null) return null;
  if (typeof value !== "number") throw new Error(`document ${id} holds ${JSON.stringify(value)}, not a number; was it written by something else?`);
  return value;
}

/** The document's value and its sequence number and primary term (null when there is none). */
async function realtimeGet(es: Client, id: string): Promise<{ value: number | null; seqNo?: number; primaryTerm?: number }> {
  try {
    const doc = await es.get({ index: INDEX, id, realtime: true, preference: "_local" });
    return { value: numberIn(doc._source, id), seqNo: doc._seq_no, primaryTerm: doc._primary_term };
  } catch (error) {
    if (statusOf(error) === 404 && (error as { meta?: { body?: { found?: boolean } } }).meta?.body?.found === false) return { value: null };
    throw error;
  }
}

function registerPlanner(options: ElasticsearchOptions): EsPlanner {
  const waitFor = options.wait_for_active_shards === "all" ? "all" : Number(options.wait_for_active_shards);
  return {
    plan(op: Invocation): EsPlan | string {
      const id = `register-${op.key ?? "default"}`;
      switch (op.f) {
        case "read":
          return {
            readOnly: true,
            run: async (es) => {
              if (options.reads === "get") return { type: "ok", value: (await realtimeGet(es, id)).value };
              const found = await es.search({ index: INDEX, preference: "_local", size: 1, query: { ids: { values: [id] } } });
              return { type: "ok", value: found.hits.hits.length === 0 ? null : numberIn(found.hits.hits[0]._source, id) };
            },
          };
        case "write": {
          if (typeof op.value !== "number") return `elasticsearch register: write needs a number, got ${JSON.stringify(op.value)}`;
          const value = op.value;
          return {
            readOnly: false,
            run: async (es) => {
              await es.index({ index: INDEX, id, document: { value }, wait_for_active_shards: waitFor });
              return { type: "ok" };
            },
          };
        }
        case "cas": {
          const pair = op.value;
          if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "number" || typeof pair[1] !== "number") {
            return `elasticsearch register: cas needs [expected, new] numbers, got ${JSON.stringify(op.value)}`;
          }
          const [expected, next] = pair as [number, number];
          return {
            readOnly: false,
            run: async (es) => {
              const current = await realtimeGet(es, id);
              if (current.value !== expected || current.seqNo === undefined || current.primaryTerm === undefined) {
                return { type: "fail", answered: true, error: `cas: ${id} held ${JSON.stringify(current.value)}, not ${expected}` };
              }
              await es.index({ index: INDEX, id, document: { value: next }, if_seq_no: current.seqNo, if_primary_term: current.primaryTerm, wait_for_active_shards: waitFor });
              return { type: "ok" };
            },
          };
        }
        default:
          return `elasticsearch register: unknown op ${op.f}; the register workload has read, write and cas`;
      }
    },
  };
}

function setPlanner(options: ElasticsearchOptions): EsPlanner {
  const waitFor = options.wait_for_active_shards === "all" ? "all" : Number(options.wait_for_active_shards);
  return {
    plan(op: Invocation): EsPlan | string {
      switch (op.f) {
        case "add": {
          const element = op.value;
          if (typeof element !== "number") return `elasticsearch set: add needs a number, got ${JSON.stringify(element)}`;
          return {
            readOnly: false,
            run: async (es) => {
              try {
                await es.index({ index: INDEX, id: `set-${element}`, op_type: "create", document: { element }, wait_for_active_shards: waitFor });
              } catch (error) {
                // No one else ever writes set-<element>, so "document already exists" means this
                // very add was applied — by Elasticsearch retrying it on a new primary after the
                // first attempt had reached a copy (TransportReplicationAction re-routes a write
                // when its primary fails; the client itself never retries: maxRetries 0). Not a
                // refusal: the add may well be in the set (seen: three such adds read for 20 s).
                if (statusOf(error) === 409) return { type: "info", error: `add of ${element} answered 409 (document already exists): applied by an earlier attempt of this request` };
                throw error;
              }
              return { type: "ok" };
            },
          };
        }
        case "read": {
          const final = (op.value as { final?: unknown } | null)?.final === true;
          return {
            readOnly: true,
            run: async (es) => ({ type: "ok", value: await readAll(es, final) }),
          };
        }
        default:
          return `elasticsearch set: unknown op ${op.f}; the set workload has add and read`;
      }
    },
  };
}

/** Every set element, read through a point in time (one consistent view of the index across
 *  pages), refreshing first when `refresh`. */
async function readAll(es: Client, refresh: boolean): Promise<number[]> {
  if (refresh) await es.indices.refresh({ index: INDEX });
  const pit = await es.openPointInTime({ index: INDEX, keep_alive: "1m" });
  const elements: number[] = [];
  try {
    let after: (string | number)[] | undefined;
    for (;;) {
      const page = await es.search<{ element?: unknown }>({
        pit: { id: pit.id, keep_alive: "1m" },
        size: PAGE,
        sort: ["_shard_doc"],
        search_after: after,
        // Set documents are the ones with an element (Elasticsearch refuses prefix queries on _id).
        query: { exists: { field: "element" } },
        track_total_hits: false,
      });
      const hits = page.hits.hits;
      for (const hit of hits) if (typeof hit._source?.element === "number") elements.push(hit._source.element);
      if (hits.length < PAGE) break;
      after = hits[hits.length - 1].sort as (string | number)[];
    }
  } finally {
    await es.closePointInTime({ id: pit.id }).catch(() => {});
  }
  return elements;
}

export const esPlanners: Readonly<Record<string, (options: ElasticsearchOptions) => EsPlanner>> = {
  register: registerPlanner,
  set: setPlanner,
};
