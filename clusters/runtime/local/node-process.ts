// One node's server process. It runs as the leader of its own process group, so that a signal
// reaches everything the server started (helpers, shells) and nothing of the harness; and when
// the leader exits, whatever is left in its group is killed, so a node that dies leaves nothing
// behind (DESIGN §4.4).

import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { ProcessSpec } from "../runtime.ts";
import { readProcess } from "./proc.ts";

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface NodeProcessOptions {
  node: string;
  spec: ProcessSpec;
  cwd: string;
  /** Appended to, never truncated, so the output of every incarnation of the node is kept. */
  stdoutPath: string;
  stderrPath: string;
  env: NodeJS.ProcessEnv;
}

export class NodeProcess {
  private exitStatus: ExitStatus | undefined;
  /** Resolves when the leader has exited and its group has been swept. */
  readonly exited: Promise<ExitStatus>;

  private constructor(
    readonly pid: number,
    exited: Promise<ExitStatus>,
  ) {
    this.exited = exited.then((status) => {
      this.exitStatus = status;
      signalGroup(pid, "SIGKILL");
      return status;
    });
  }

  /** Starts the process; rejects if it could not be started at all (missing command, bad cwd). */
  static async spawn(options: NodeProcessOptions): Promise<NodeProcess> {
    const { node, spec } = options;
    const stdout = openSync(options.stdoutPath, "a");
    const stderr = openSync(options.stderrPath, "a");
    let child;
    try {
      child = spawn(spec.command, spec.args, {
        cwd: options.cwd,
        env: options.env,
        detached: true,
        stdio: ["ignore", stdout, stderr],
      });
    } finally {
      // The child has its own copies of the descriptors once spawn() returns.
      closeSync(stdout);
      closeSync(stderr);
    }
    const exited = new Promise<ExitStatus>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (error) =>
        reject(new Error(`could not start node ${node}: ${spec.command} ${spec.args.join(" ")} in ${options.cwd}: ${error.message}; check the command and its working directory`)),
      );
    });
    return new NodeProcess(child.pid!, exited);
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** Sends `signal` to the node's whole process group; a no-op once the group is gone. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) signalGroup(this.pid, signal);
  }

  /** Waits until the leader shows `wanted` stop state in /proc, so that a pause has taken effect
   *  before the caller records it. Gives up quietly where /proc is unavailable. */
  async waitStopped(wanted: boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running && Date.now() < deadline) {
      const info = readProcess(this.pid);
      if (!info || (info.state === "T") === wanted) return;
      await sleep(5);
    }
  }
}

function signalGroup(processGroup: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-processGroup, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}
