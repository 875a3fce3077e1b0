// Test support for a real system on the local runtime: start it on a few nodes in a temporary
// folder, open clients, run single ops, wait for the cluster to come round, and prove at the end
// that teardown left no server process behind. Used by the system tests of clusters/<system>/.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Completion, Invocation } from "../../harness/op.ts";
import { Rng } from "../../harness/rng.ts";
import { isAlive } from "../../clusters/runtime/local/proc.ts";
import { LocalRuntime } from "../../clusters/runtime/local/local-runtime.ts";
import type { ClusterContext, System } from "../../clusters/system.ts";
import type { Runtime } from "../../clusters/runtime/runtime.ts";
import type { Client } from "../../harness/interpreter/client.ts";

export class LocalSystem {
  base = "";
  runtime!: LocalRuntime;
  ctx!: ClusterContext;
  private readonly clients: Client[] = [];
  /** Every server pid seen, so stop() can prove none outlived teardown. */
  readonly pids = new Set<number>();

  constructor(
    readonly system: System,
    readonly nodes: readonly string[],
    private readonly seed: number,
    /** directPeers: servers dial each other's real peer ports, not the fault proxy's (no network
     *  faults then; for benches that compare with a system whose peers talk directly). */
    private readonly settings: { directPeers?: boolean } = {},
  ) {}

  async start(options: Record<string, unknown> = {}): Promise<void> {
    this.base = mkdtempSync(join(tmpdir(), `faultline-${this.system.name}-`));
    this.runtime = await LocalRuntime.create({ nodes: this.nodes, dir: join(this.base, "nodes"), seed: this.seed, stateFile: join(this.base, "state.json") });
    const runtime = this.settings.directPeers ? directPeers(this.runtime) : this.runtime;
    this.ctx = { runtime, nodes: this.nodes, bugs: [], options, rng: new Rng(this.seed), log: () => {} };
    await this.system.setup(this.ctx);
    this.recordPids();
  }

  /** Call after anything that (re)starts servers, so their pids are checked at the end too. */
  recordPids(): void {
    for (const node of this.nodes) {
      const pid = this.runtime.pid(node);
      if (pid !== undefined) this.pids.add(pid);
    }
  }

  async open(workload: string, node: string, options: Record<string, unknown> = {}): Promise<Client> {
    const open = Object.hasOwn(this.system.clients, workload) ? this.system.clients[workload] : undefined;
    if (!open) throw new Error(`${this.system.name} has no client for workload ${workload}; its clients: ${Object.keys(this.system.clients).join(", ")}`);
    const client = await open({ ...this.ctx, options: { ...this.ctx.options, ...options } }, node);
    this.clients.push(client);
    return client;
  }

  /** Closes clients, tears the system and runtime down, removes the folder; returns the pids that
   *  are still alive (there should be none). */
  async stop(): Promise<number[]> {
    await Promise.all(this.clients.map((client) => client.close()));
    if (this.ctx) await this.system.teardown(this.ctx);
    await this.runtime?.teardown();
    if (this.base) rmSync(this.base, { recursive: true, force: true });
    return [...this.pids].filter(isAlive);
  }
}

export function runOp(client: Client, f: string, value: unknown, key?: number, timeoutMs = 5000): Promise<Completion> {
  const op: Invocation = { process: 0, f, value, key };
  return client.invoke(op, AbortSignal.timeout(timeoutMs));
}

/** `attempt`'s first defined answer; on timeout the error shows what `lastSeen` says. */
export async function eventually<T>(what: string, attempt: () => Promise<T | undefined>, lastSeen: () => unknown = () => "nothing", timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await attempt();
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(lastSeen())}`);
}

/** The runtime, except that peerAddress names the peer's own port instead of the proxy's. */
function directPeers(runtime: LocalRuntime): Runtime {
  const peerAddress = (_from: string, to: string) => {
    const info = runtime.node(to);
    return { host: info.host, port: info.peerPort };
  };
  return new Proxy(runtime, {
    get(target, property) {
      if (property === "peerAddress") return peerAddress;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
