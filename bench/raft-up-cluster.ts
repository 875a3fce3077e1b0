// Our Raft cluster as a user starts it: `faultline up --system raft --nodes N` in a child process,
// its '<node> <host>:<port>' lines parsed from stdout. Adds what a benchmark needs on top: find
// the leader and its pid (INFO), SIGKILL a node, and bring a killed node back with its exact
// command line, data directory and ports.

import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fetchInfo } from "../clusters/raft/info.ts";
import type { Endpoint } from "../clusters/raft/redis-connection.ts";
import { spawnFaultline } from "../test/support/cli.ts";


/** Where and how a node process ran, read from /proc before it is killed. */
interface NodeCommand {
  argv: string[];
  cwd: string;
}

export class RaftUpCluster {
  /** Node processes this bench started itself (restarts), which `faultline up` does not know. */
  private readonly restarted = new Map<string, ChildProcess>();
  private readonly commands = new Map<string, NodeCommand>();
  private exited: Promise<number | null>;

  private constructor(
    private readonly up: ChildProcess,
    readonly endpoints: Endpoint[],
  ) {
    this.exited = new Promise((resolve) => {
      if (up.exitCode !== null) resolve(up.exitCode);
      else up.once("exit", (code) => resolve(code));
    });
  }

  /** Starts `faultline up` with data in `dir` and waits until every node is listed and a leader
   *  serves. `extraArgs` go to `faultline up` (e.g. `--opt electionTicks=30`). */
  static async start(dir: string, options: { nodes?: number; timeoutMs?: number; extraArgs?: string[] } = {}): Promise<RaftUpCluster> {
    const { nodes = 3, timeoutMs = 60_000, extraArgs = [] } = options;
    const up = spawnFaultline(["up", "--system", "raft", "--nodes", String(nodes), "--dir", join(dir, "nodes"), "--store", join(dir, "store"), ...extraArgs]);
    let stderr = "";
    up.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const endpoints: Endpoint[] = [];
    let buffered = "";
    const listed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`faultline up listed ${endpoints.length} of ${nodes} nodes within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      up.stdout!.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          const match = /^(\S+) (\S+):(\d+)$/.exec(line);
          if (match) endpoints.push({ node: match[1], host: match[2], port: Number(match[3]) });
        }
        if (endpoints.length >= nodes) {
          clearTimeout(timer);
          resolve();
        }
      });
      up.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`faultline up exited with ${code} before listing its nodes; stderr: ${stderr}`));
      });
    });
    const cluster = new RaftUpCluster(up, endpoints);
    try {
      await listed;
      await cluster.waitHealthy(timeoutMs);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The `faultline up` process. */
  get pid(): number | undefined {
    return this.up.pid;
  }

  endpoint(node: string): Endpoint {
    const endpoint = this.endpoints.find((candidate) => candidate.node === node);
    if (!endpoint) throw new Error(`no node ${node} in ${this.endpoints.map((e) => e.node).join(", ")}`);
    return endpoint;
  }

  /** Waits until every node answers, all name one leader and have applied what it committed. */
  async waitHealthy(timeoutMs = 30_000): Promise<Endpoint> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      const infos = await Promise.all(this.endpoints.map((endpoint) => fetchInfo(endpoint, 500)));
      const leaderName = infos[0]?.leader;
      const leaderInfo = infos.find((info, i) => info && this.endpoints[i].node === leaderName);
      if (
        leaderName &&
        leaderInfo &&
        infos.every((info) => info?.leader === leaderName && info.appliedIndex >= leaderInfo.commitIndex - 100)
      ) {
        return this.endpoint(leaderName);
      }
      last = infos.map((info, i) => `${this.endpoints[i].node}: ${info ? `${info.role} leader=${info.leader} applied=${info.appliedIndex}` : "no answer"}`).join("; ");
      await sleep(100);
    }
    throw new Error(`raft cluster not healthy within ${timeoutMs} ms: ${last}`);
  }

  /** Reads `node`'s pid (INFO) and command line (/proc) and returns the SIGKILL to send, so that a
   *  caller can take its timestamp right at the kill. */
  async prepareKill(node: string): Promise<() => void> {
    const info = await fetchInfo(this.endpoint(node));
    if (!info || !Number.isInteger(info.pid)) throw new Error(`node ${node} did not report its process_id`);
    const argv = readFileSync(`/proc/${info.pid}/cmdline`, "utf8").split("\0").filter((arg) => arg !== "");
    this.commands.set(node, { argv, cwd: readlinkSync(`/proc/${info.pid}/cwd`) });
    return () => {
      process.kill(info.pid, "SIGKILL");
      this.restarted.delete(node);
    };
  }

  /** Starts a killed node again with its old command line, in its old directory (same WAL, ports). */
  restart(node: string): void {
    const command = this.commands.get(node);
    if (!command) throw new Error(`node ${node} was not killed by this cluster handle; nothing to restart`);
    const log = openSync(join(command.cwd, "stdout.log"), "a");
    try {
      const child = spawn(command.argv[0], command.argv.slice(1), { cwd: command.cwd, detached: true, stdio: ["ignore", log, log] });
      child.on("error", () => undefined);
      this.restarted.set(node, child);
    } finally {
      closeSync(log);
    }
  }

  /** Ctrl-C to `faultline up` (it stops its nodes), SIGKILL to the nodes this handle restarted. */
  async stop(): Promise<number | null> {
    for (const child of this.restarted.values()) killGroup(child.pid, "SIGKILL");
    this.restarted.clear();
    if (this.up.exitCode === null && this.up.signalCode === null) this.up.kill("SIGINT");
    const code = await Promise.race([this.exited, sleep(30_000).then(() => undefined)]);
    if (code === undefined) {
      this.up.kill("SIGKILL");
      return this.exited;
    }
    return code;
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
