// Queues and logs: clients enqueue unique messages and dequeue them; after the faults heal every
// client drains what is left. Checked by checkers/queue.ts, which finds lost, duplicated and
// unexpected messages, and for partitioned logs (Kafka-like) order violations and skipped offsets.
//
// Ops a client must implement, unordered (the default):
//   {f: "enqueue", value: message}   message is a unique integer; ok once durably enqueued.
//   {f: "dequeue", value: null}      ok with the message taken, or null if the queue was empty.
//   {f: "drain", value: null}        ok with an array of every message left, the queue now empty.
// With {ordered: "per-partition"}:
//   {f: "enqueue", value: {value: message, partition}}   send to that partition; ok with
//                                    {partition, offset, value} as the log acknowledged it.
//   {f: "dequeue", value: null}      poll: ok with an array of {partition, offset, value}, in the
//                                    order received. Each client process consumes every partition
//                                    from its first offset, continuing where its last poll ended.
//   {f: "drain", value: null}        poll until the client has reached the end of every partition
//                                    as of the drain's start; ok with the array of records.

import { queueChecker } from "../checkers/queue.ts";
import type { Generator, GenContext, GenResult } from "../harness/generator/generator.ts";
import type { Workload, WorkloadOptions } from "./workload.ts";
import { EachClientOnce, numberOption } from "./set.ts";
import { pickFreeClient } from "./pick-client.ts";

/** The options this takes through `--opt` (documentation; read by name). @public */
export interface QueueWorkloadOptions extends WorkloadOptions {
  /** Fraction of ops that dequeue (poll). Default 0.5. */
  dequeueFraction?: number;
  /** "per-partition" for a partitioned log with offsets. Default: an unordered queue. */
  ordered?: "per-partition";
  /** Partitions messages are spread over, when ordered. Default 4. */
  partitions?: number;
}

interface QueueSettings {
  dequeueFraction: number;
  /** 0 for an unordered queue. */
  partitions: number;
}

function orderedOption(opts: WorkloadOptions): "per-partition" | undefined {
  const ordered = opts.ordered;
  if (ordered === undefined || ordered === "per-partition") return ordered;
  throw new RangeError(`workload option ordered must be "per-partition" or absent, got ${JSON.stringify(ordered)}`);
}

class QueueGenerator implements Generator {
  constructor(
    private readonly settings: QueueSettings,
    private readonly nextMessage: number,
  ) {}

  op(ctx: GenContext): GenResult {
    const process = pickFreeClient(ctx);
    if (process === undefined) return { kind: "pending", next: this };
    if (ctx.rng.float() < this.settings.dequeueFraction) return { kind: "op", op: { process, timeNs: ctx.timeNs, f: "dequeue", value: null }, next: this };
    const message = this.nextMessage;
    const value = this.settings.partitions > 0 ? { value: message, partition: ctx.rng.int(this.settings.partitions) } : message;
    return { kind: "op", op: { process, timeNs: ctx.timeNs, f: "enqueue", value }, next: new QueueGenerator(this.settings, message + 1) };
  }

  update(): Generator {
    return this;
  }
}

export const queueWorkload: Workload = {
  name: "queue",
  description: "enqueue unique messages, dequeue them, drain after healing; finds lost, duplicated and unexpected messages (and, for partitioned logs, order violations and skipped offsets)",
  refutes: { kind: "property", property: "no acknowledged message lost or duplicated" },
  generator: (opts) =>
    new QueueGenerator(
      {
        dequeueFraction: numberOption(opts, "dequeueFraction", 0.5, { min: 0, max: 1 }),
        partitions: orderedOption(opts) ? numberOption(opts, "partitions", 4, { min: 1, integer: true }) : 0,
      },
      0,
    ),
  finalGenerator: () => new EachClientOnce("drain", null),
  checker: (opts) => queueChecker({ ordered: orderedOption(opts) }),
};
