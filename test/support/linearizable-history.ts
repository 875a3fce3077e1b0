// Hand-built histories for the linearizability tests: each call appends one op, so a test reads
// as the story of who invoked what and when it came back.

import type { Op, OpType, Process } from "../../harness/op.ts";

export class TestHistory {
  readonly ops: Op[] = [];

  invoke(process: Process, f: string, value: unknown = null, key?: string | number): this {
    return this.add(process, "invoke", f, value, key);
  }

  ok(process: Process, f: string, value: unknown = null, key?: string | number): this {
    return this.add(process, "ok", f, value, key);
  }

  fail(process: Process, f: string, value: unknown = null, key?: string | number): this {
    return this.add(process, "fail", f, value, key);
  }

  info(process: Process, f: string, value: unknown = null, key?: string | number): this {
    return this.add(process, "info", f, value, key);
  }

  /** An op that runs alone: invoke immediately followed by ok. */
  call(process: Process, f: string, value: unknown, result: unknown = value, key?: string | number): this {
    return this.invoke(process, f, value, key).ok(process, f, result, key);
  }

  private add(process: Process, type: OpType, f: string, value: unknown, key: string | number | undefined): this {
    const op: Op = { index: this.ops.length, time: this.ops.length * 1000, process, type, f, value };
    if (key !== undefined) op.key = key;
    this.ops.push(op);
    return this;
  }
}
