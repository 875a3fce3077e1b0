// Makes the runtime's pause, resume and kill reach a whole PostgreSQL server. The runtime signals
// the process group of the process it spawned — the postmaster — but every backend, and the
// checkpointer and WAL writer, sit in sessions of their own (PostgreSQL calls setsid() in each
// child). Left alone, a paused node would keep serving every client that was already connected,
// and after a kill its orphaned backends would live on until they noticed, holding the shared
// memory a restart needs.
//
// So the mirror watches the node's state as the runtime reports it and copies each change onto
// the server's other processes: paused → SIGSTOP them, running again → SIGCONT, stopped (the
// postmaster is gone) → SIGKILL what is left. It polls the runtime's in-memory state every few
// milliseconds and looks at /proc only on a change, so the pause takes hold a few milliseconds
// after the postmaster's, and a pause shorter than one poll may not reach the backends at all.

import type { NodeState, Runtime } from "../runtime/runtime.ts";
import { serverProcesses, signalEach } from "./server-processes.ts";

const POLL_MS = 5;

export class SignalMirror {
  private timer: NodeJS.Timeout | undefined;
  private last: NodeState;

  constructor(
    private readonly runtime: Runtime,
    private readonly node: string,
    private readonly dataDir: string,
    private readonly log: (line: string) => void,
  ) {
    this.last = runtime.state(node);
  }

  start(): void {
    if (this.timer) return;
    this.last = this.runtime.state(this.node);
    this.timer = setInterval(() => this.poll(), POLL_MS);
    // A mirror must never be what keeps the harness alive.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Copies the node's current state onto the server's processes now, without waiting for a poll. */
  poll(): void {
    let state: NodeState;
    try {
      state = this.runtime.state(this.node);
    } catch (error) {
      // The runtime was torn down under us; nothing is left to mirror.
      this.log(`postgres ${this.node}: signal mirror stopped: ${(error as Error).message}`);
      this.stop();
      return;
    }
    if (state === this.last) return;
    const previous = this.last;
    this.last = state;
    try {
      const pids = serverProcesses(this.dataDir);
      if (state === "paused") signalEach(pids, "SIGSTOP");
      else if (state === "running" && previous === "paused") signalEach(pids, "SIGCONT");
      else if (state === "stopped") {
        signalEach(pids, "SIGKILL");
        signalEach(pids, "SIGCONT");
      }
    } catch (error) {
      this.log(`postgres ${this.node}: could not carry ${previous} → ${state} over to the server's backends: ${(error as Error).message}`);
    }
  }
}
