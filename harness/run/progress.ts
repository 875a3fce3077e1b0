// A one-line live status on a terminal: elapsed time, ops recorded, ok share, faults active.

import { FAULT_OPS } from "../../nemeses/catalog.ts";
import type { Op } from "../op.ts";

export class Progress {
  private timer?: NodeJS.Timeout;
  private startedAt = 0;
  private ops = 0;
  private ok = 0;
  private completed = 0;
  private readonly activeFaults = new Set<string>();

  constructor(private readonly out: NodeJS.WritableStream, private readonly plannedS: number) {}

  start(): void {
    this.startedAt = Date.now();
    this.timer = setInterval(() => this.render(), 1000);
    this.timer.unref();
  }

  observe(op: Op): void {
    this.ops++;
    if (op.process === "nemesis") {
      if (op.type === "ok") this.trackFault(op);
      return;
    }
    if (op.type === "invoke") return;
    this.completed++;
    if (op.type === "ok") this.ok++;
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.render();
    this.out.write("\n");
  }

  private trackFault(op: Op): void {
    for (const ops of FAULT_OPS) {
      if (op.f === ops.start) this.activeFaults.add(ops.fault);
      if (op.f === ops.stop) this.activeFaults.delete(ops.fault);
    }
  }

  private render(): void {
    const elapsedS = Math.round((Date.now() - this.startedAt) / 1000);
    const okShare = this.completed ? Math.round((100 * this.ok) / this.completed) : 0;
    const faults = this.activeFaults.size ? [...this.activeFaults].join(",") : "none";
    this.out.write(`\r\x1b[K${elapsedS}s/${this.plannedS}s  ops ${this.ops}  ok ${okShare}%  faults: ${faults}`);
  }
}
