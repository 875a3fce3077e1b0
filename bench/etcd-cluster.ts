// A 3-member etcd cluster on loopback, each member a child process of this bench with its own
// data directory and etcd's default durability (fsync on every raft Ready). Members talk to each
// other directly (no fault proxy): this is the reference point, as a user would run it.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Etcd3 } from "etcd3";
import { connectToMember } from "../clusters/etcd/connection.ts";
import { reservePorts } from "../clusters/runtime/local/ports.ts";

const HOST = "127.0.0.1";

class MemberExited extends Error {}

export interface EtcdMember {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
}

/** `etcd --version`'s first line, or undefined when etcd is not installed. */
export function etcdVersion(): string | undefined {
  const result = spawnSync("etcd", ["--version"], { encoding: "utf8" });
  if (result.error || result.status !== 0) return undefined;
  return result.stdout.split("\n")[0].trim();
}

export class EtcdCluster {
  private readonly processes = new Map<string, ChildProcess>();
  private readonly argv = new Map<string, string[]>();

  private constructor(
    readonly members: EtcdMember[],
    private readonly dir: string,
  ) {}

  /** Starts a cluster, trying again with fresh ports and directories if a member dies while
   *  starting (between our port reservation and etcd's bind, another process may take a port). */
  static async start(dir: string, size = 3, timeoutMs = 30_000, attempts = 2): Promise<EtcdCluster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await EtcdCluster.startOnce(join(dir, `attempt-${attempt}`), size, timeoutMs);
      } catch (error) {
        if (attempt >= attempts || !(error instanceof MemberExited)) throw error;
        console.error(`etcd-cluster: ${error.message}; starting again on fresh ports`);
      }
    }
  }

  private static async startOnce(dir: string, size: number, timeoutMs: number): Promise<EtcdCluster> {
    const reservations = await reservePorts(size * 2, HOST);
    const members = Array.from({ length: size }, (_, i) => ({
      name: `e${i + 1}`,
      clientPort: reservations[2 * i].port,
      peerPort: reservations[2 * i + 1].port,
      dataDir: join(dir, `e${i + 1}`),
    }));
    const cluster = new EtcdCluster(members, dir);
    const initialCluster = members.map((m) => `${m.name}=http://${HOST}:${m.peerPort}`).join(",");
    // One token for all members: the cluster id derives from it, and members whose tokens differ
    // (a clock tick between two of them) refuse each other with "cluster ID mismatch".
    const token = `faultline-bench-${process.pid}-${Date.now()}`;
    for (const member of members) {
      mkdirSync(member.dataDir, { recursive: true });
      cluster.argv.set(member.name, [
        "--name", member.name,
        "--data-dir", join(member.dataDir, "data"),
        "--listen-client-urls", `http://${HOST}:${member.clientPort}`,
        "--advertise-client-urls", `http://${HOST}:${member.clientPort}`,
        "--listen-peer-urls", `http://${HOST}:${member.peerPort}`,
        "--initial-advertise-peer-urls", `http://${HOST}:${member.peerPort}`,
        "--initial-cluster", initialCluster,
        "--initial-cluster-state", "new",
        "--initial-cluster-token", token,
        "--logger", "zap",
        "--log-outputs", "stderr",
        "--log-level", "warn",
      ]);
    }
    await Promise.all(reservations.map((r) => r.release()));
    try {
      for (const member of members) cluster.startMember(member.name);
      await cluster.waitHealthy(timeoutMs);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  member(name: string): EtcdMember {
    const member = this.members.find((m) => m.name === name);
    if (!member) throw new Error(`no etcd member ${name}`);
    return member;
  }

  client(name: string): Etcd3 {
    return connectToMember(HOST, this.member(name).clientPort);
  }

  /** Starts (or restarts, on its existing data) one member. */
  startMember(name: string): void {
    const member = this.member(name);
    const log = openSync(join(member.dataDir, "etcd.log"), "a");
    try {
      const child = spawn("etcd", this.argv.get(name)!, { cwd: this.dir, detached: true, stdio: ["ignore", log, log] });
      child.on("error", () => undefined);
      this.processes.set(name, child);
    } finally {
      closeSync(log);
    }
  }

  /** Pids of the members running now. */
  pids(): number[] {
    return [...this.processes.values()].flatMap((child) => (child.pid !== undefined && child.exitCode === null && child.signalCode === null ? [child.pid] : []));
  }

  kill(name: string): void {
    const child = this.processes.get(name);
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, "SIGKILL");
    this.processes.delete(name);
  }

  /** The member every running member names as leader, once all agree. */
  async waitHealthy(timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      for (const [name, child] of this.processes) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new MemberExited(`etcd member ${name} exited (${child.exitCode ?? child.signalCode}) before the cluster was healthy: ${this.logTail(name)}`);
        }
      }
      const leaders = await Promise.all([...this.processes.keys()].map((name) => this.leaderSeenBy(name)));
      if (leaders.length === this.processes.size && leaders[0] && leaders.every((leader) => leader === leaders[0])) return leaders[0];
      last = leaders.map((leader, i) => `${[...this.processes.keys()][i]}→${leader ?? "?"}`).join(" ");
      await sleep(100);
    }
    const tails = [...this.processes.keys()].map((name) => `${name}: ${this.logTail(name)}`).join("\n");
    throw new Error(`etcd cluster not healthy within ${timeoutMs} ms (${last}); last log lines:\n${tails}`);
  }

  /** The last lines of a member's log, for error messages (the bench deletes its directory). */
  private logTail(name: string): string {
    try {
      return readFileSync(join(this.member(name).dataDir, "etcd.log"), "utf8").trim().split("\n").slice(-3).join(" | ").slice(-1500);
    } catch {
      return "(no log)";
    }
  }

  /** The leader's name as `name` reports it, or undefined (no answer, no leader). */
  private async leaderSeenBy(name: string): Promise<string | undefined> {
    const client = this.client(name);
    try {
      const status = await client.maintenance.status({ deadline: Date.now() + 1000 });
      if (status.leader === "0") return undefined;
      // Member ids are etcd's; map the leader id to a name by asking each member its own id.
      if (status.leader === status.header.member_id) return name;
      for (const other of this.members) {
        if (other.name === name || !this.processes.has(other.name)) continue;
        const otherClient = this.client(other.name);
        try {
          const otherStatus = await otherClient.maintenance.status({ deadline: Date.now() + 1000 });
          if (otherStatus.header.member_id === status.leader) return other.name;
        } catch {
          // Not reachable: cannot be the leader we are looking for.
        } finally {
          otherClient.close();
        }
      }
      return undefined;
    } catch {
      return undefined;
    } finally {
      client.close();
    }
  }

  async stop(): Promise<void> {
    const exits: Promise<unknown>[] = [];
    for (const child of this.processes.values()) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
      exits.push(new Promise((resolve) => child.once("exit", resolve)));
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    this.processes.clear();
    await Promise.race([Promise.all(exits), sleep(10_000)]);
  }
}
