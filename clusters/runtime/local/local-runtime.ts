// The default runtime (DESIGN §3): every node is a process group on this machine, listening on
// 127.0.0.1, and every peer link goes through Faultline's fault proxy. No root, no Docker.
//
// Per node: a client port and a peer port (below the ephemeral range, reserved until first start),
// a data directory <dir>/<node>/ holding stdout.log and stderr.log, and one relay per other node.
// Node `from` must dial peerAddress(from, to) — never `to`'s peer port directly — or the proxy
// cannot fault the link.
//
// Operations on one node run one at a time in call order, so a nemesis kill and a system restart
// of the same node cannot interleave. Every spawned process is in the run's state file before
// start() returns (run-state.ts), and teardown() leaves no process, relay or reserved port behind.

import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { copyFile, mkdir, readdir, readFile } from "node:fs/promises";
import { mkdirSync } from "node:fs";
import { constants } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LINK_FAULT_FIELDS, type Grudge, type LinkCounters, type LinkFaults, type NodeInfo, type NodeState, type ProcessSpec, type Runtime } from "../runtime.ts";
import { NodeProcess } from "./node-process.ts";
import { type PortReservation, reservePorts } from "./ports.ts";
import { readProcess } from "./proc.ts";
import { FaultProxy, type FaultProxyOptions, type LinkStats } from "./proxy.ts";
import { RUN_DIR_STATE_FILE, RUN_ID_ENV, RunStateFile, runStateFile } from "./run-state.ts";

export interface LocalRuntimeOptions {
  /** Node names: letters, digits, '.', '_' and '-' (they name directories). */
  nodes: readonly string[];
  /** Directory for the nodes' data dirs, `<dir>/<node>/`. */
  dir: string;
  /** Seeds the proxy's fault decisions. */
  seed: number;
  /** Where to record spawned processes. Default: `<stateDir>/runs/<runId>.json` when stateDir is
   *  given (the runner passes `<store>/.faultline`), else `<dir>/../runtime-state.json`. */
  stateFile?: string;
  stateDir?: string;
  /** Receives one line per notable event (node exits, proxy trouble). */
  log?: (line: string) => void;
  /** How long kill() waits after a signal other than SIGKILL before sending SIGKILL. Default 10 s. */
  killTimeoutMs?: number;
  proxy?: Pick<FaultProxyOptions, "reorderHoldMs" | "closeGraceMs">;
}

/** Name of the environment variable that tells a node process which node it is. */
const NODE_NAME_ENV = "FAULTLINE_NODE";

const HOST = "127.0.0.1";
const PORTS_PER_NODE = 3;
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Bound on waiting for a SIGKILLed process to be reaped at teardown (a process stuck in the
 *  kernel cannot be waited for forever). */
const REAP_TIMEOUT_MS = 10_000;

interface NodeSlot {
  info: NodeInfo;
  /** Held until the node first starts, so nobody else takes its ports meanwhile. */
  reservations: PortReservation[];
  spec: ProcessSpec | undefined;
  server: NodeProcess | undefined;
  paused: boolean;
  /** Tail of the queue of operations on this node. */
  queue: Promise<unknown>;
}

export class LocalRuntime implements Runtime {
  readonly kind = "local" as const;
  /** The proxy makes every message fault. */
  readonly linkFaultFields = LINK_FAULT_FIELDS.local;
  private readonly slots = new Map<string, NodeSlot>();
  private readonly execs = new Set<number>();
  private tearingDown: Promise<void> | undefined;

  private constructor(
    private readonly runId: string,
    private readonly proxy: FaultProxy,
    private readonly stateFile: RunStateFile,
    private readonly log: (line: string) => void,
    private readonly killTimeoutMs: number,
  ) {}

  static async create(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    validateNodeNames(options.nodes);
    const dir = resolve(options.dir);
    const runId = randomUUID();
    const log = options.log ?? (() => {});
    const statePath = resolve(
      options.stateFile ?? (options.stateDir !== undefined ? runStateFile(options.stateDir, runId) : join(dir, "..", RUN_DIR_STATE_FILE)),
    );
    for (const node of options.nodes) mkdirSync(join(dir, node), { recursive: true });

    // Three ports per node: client, peer, and one extra for products that need a third (ZooKeeper's
    // leader election), all reserved so that nothing else takes them before the node starts.
    const reservations = await reservePorts(options.nodes.length * PORTS_PER_NODE, HOST);
    const proxy = new FaultProxy({
      seed: options.seed,
      host: HOST,
      ...options.proxy,
      onEvent: (event) => log(`proxy ${event.kind} on ${event.link.from}->${event.link.to}: ${event.message}`),
    });
    let stateFile: RunStateFile | undefined;
    try {
      stateFile = new RunStateFile(statePath, runId, dir);
      const runtime = new LocalRuntime(runId, proxy, stateFile, log, options.killTimeoutMs ?? 10_000);
      options.nodes.forEach((name, index) => {
        const [client, peer, extra] = reservations.slice(index * PORTS_PER_NODE, (index + 1) * PORTS_PER_NODE);
        runtime.slots.set(name, {
          info: { name, host: HOST, clientPort: client.port, peerPort: peer.port, extraPorts: [extra.port], dataDir: join(dir, name) },
          reservations: [client, peer, extra],
          spec: undefined,
          server: undefined,
          paused: false,
          queue: Promise.resolve(),
        });
      });
      for (const from of options.nodes) {
        for (const to of options.nodes) {
          if (from !== to) await proxy.addLink({ from, to }, { host: HOST, port: runtime.node(to).peerPort });
        }
      }
      return runtime;
    } catch (error) {
      await Promise.all(reservations.map((r) => r.release()));
      await proxy.close();
      stateFile?.delete();
      throw error;
    }
  }

  /** The state file recording this run's processes. */
  get stateFilePath(): string {
    return this.stateFile.path;
  }

  nodes(): readonly NodeInfo[] {
    return [...this.slots.values()].map((slot) => ({ ...slot.info }));
  }

  node(name: string): NodeInfo {
    return { ...this.slot(name).info };
  }

  peerAddress(from: string, to: string): { host: string; port: number } {
    this.slot(from);
    this.slot(to);
    if (from === to) throw new Error(`peerAddress: ${from} asked for a link to itself; a node reaches itself without the proxy`);
    return this.proxy.address(from, to);
  }

  /** The node's server pid (also its process group), while it runs. */
  pid(node: string): number | undefined {
    const server = this.slot(node).server;
    return server?.running ? server.pid : undefined;
  }

  /** What the proxy did to link from→to so far. */
  linkStats(from: string, to: string): LinkStats {
    return this.proxy.stats(from, to);
  }

  async linkCounters(): Promise<LinkCounters[]> {
    return this.proxy.links().map(({ from, to }) => {
      const stats = this.proxy.stats(from, to);
      return {
        from,
        to,
        unit: "frames",
        received: stats.received,
        droppedByFault: stats.droppedByFault,
        duplicated: stats.duplicated,
        heldBack: stats.heldBack,
        delayed: stats.delayed,
        delayMsTotal: stats.delayMsTotal,
        delayMsMax: stats.delayMsMax,
      };
    });
  }

  async start(node: string, spec: ProcessSpec): Promise<void> {
    return this.enqueue(node, async (slot) => {
      slot.spec = { ...spec, args: [...spec.args], env: spec.env && { ...spec.env } };
      await this.spawn(node, slot);
    });
  }

  async restart(node: string): Promise<void> {
    return this.enqueue(node, async (slot) => {
      if (!slot.spec) throw new Error(`cannot restart node ${node}: it was never started; call start(${node}, spec) first`);
      await this.spawn(node, slot);
    });
  }

  async kill(node: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    return this.enqueue(node, async (slot) => {
      const server = slot.server;
      if (!server?.running) return;
      server.signal(signal);
      // A stopped server only acts on SIGKILL; anything else waits for it to be continued.
      if (slot.paused && signal !== "SIGKILL") server.signal("SIGCONT");
      if (signal !== "SIGKILL") {
        const timedOut = await Promise.race([server.exited.then(() => false), sleep(this.killTimeoutMs).then(() => true)]);
        if (timedOut) {
          this.log(`node ${node} (pid ${server.pid}) outlived ${signal} by ${this.killTimeoutMs} ms; sending SIGKILL`);
          server.signal("SIGKILL");
        }
      }
      await server.exited;
    });
  }

  /** SIGSTOP to the node's group; resolves once the kernel shows it stopped. A stopped node stays stopped. */
  async pause(node: string): Promise<void> {
    return this.enqueue(node, async (slot) => {
      const server = slot.server;
      if (!server?.running) return;
      server.signal("SIGSTOP");
      slot.paused = true;
      await server.waitStopped(true);
    });
  }

  async resume(node: string): Promise<void> {
    return this.enqueue(node, async (slot) => {
      const server = slot.server;
      if (!server?.running) return;
      server.signal("SIGCONT");
      slot.paused = false;
      await server.waitStopped(false);
    });
  }

  state(node: string): NodeState {
    const slot = this.slot(node);
    if (!slot.server?.running) return "stopped";
    return slot.paused ? "paused" : "running";
  }

  /** Runs `command` on this machine in the node's data directory. */
  async exec(node: string, command: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const slot = this.slot(node);
    this.assertOpen(`exec on ${node}`);
    return new Promise((resolvePromise, reject) => {
      const child = spawn(command, args, {
        cwd: slot.info.dataDir,
        // Own group, so teardown can stop a command that hangs, with everything it started.
        detached: true,
        env: { ...process.env, [RUN_ID_ENV]: this.runId, [NODE_NAME_ENV]: node },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.once("spawn", () => this.execs.add(child.pid!));
      child.once("error", (error) => reject(new Error(`exec on node ${node}: could not run ${command}: ${error.message}`)));
      child.once("close", (code, signal) => {
        this.execs.delete(child.pid!);
        resolvePromise({
          // Shell convention for a command killed by a signal: 128 + the signal's number.
          exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0),
          stdout: Buffer.concat(stdout).toString(),
          stderr: Buffer.concat(stderr).toString(),
        });
      });
    });
  }

  async partition(grudge: Grudge): Promise<void> {
    this.assertOpen("partition");
    this.proxy.partition(grudge);
  }

  async setLinkFaults(faults: LinkFaults, links?: { from: string; to: string }[]): Promise<void> {
    this.assertOpen("setLinkFaults");
    this.proxy.setLinkFaults(faults, links);
  }

  async heal(): Promise<void> {
    if (this.tearingDown) return;
    this.proxy.heal();
  }

  async stderrTail(node: string, lines: number): Promise<string> {
    const text = await readFile(join(this.slot(node).info.dataDir, "stderr.log"), "utf8");
    return text.split("\n").slice(-lines - 1).join("\n");
  }

  /** Copies `<dataDir>/*.log` of every node into `<dir>/<node>/`. */
  async collectLogs(dir: string): Promise<void> {
    for (const slot of this.slots.values()) {
      const target = join(dir, slot.info.name);
      await mkdir(target, { recursive: true });
      const files = (await readdir(slot.info.dataDir)).filter((file) => file.endsWith(".log"));
      for (const file of files) {
        const from = join(slot.info.dataDir, file);
        const to = join(target, file);
        // The runner may collect into the very directory the nodes write to.
        if (resolve(from) !== resolve(to)) await copyFile(from, to);
      }
    }
  }

  teardown(): Promise<void> {
    this.tearingDown ??= this.tearDown();
    return this.tearingDown;
  }

  private async tearDown(): Promise<void> {
    // Kill first, without queueing behind other operations: a hung operation must not keep
    // processes alive. An operation still in flight sees tearingDown and kills what it spawns.
    await Promise.all([...this.slots.keys()].map((node) => this.stopNow(node)));
    for (const pid of this.execs) signalGroupQuietly(pid, "SIGKILL");
    await Promise.allSettled([...this.slots.values()].map((slot) => slot.queue));
    await Promise.all([...this.slots.values()].flatMap((slot) => slot.reservations.map((r) => r.release())));
    await this.proxy.close();
    // A process that could not be reaped stays on record for `faultline cleanup`.
    if (this.stateFile.recordedCount === 0) this.stateFile.delete();
    else this.log(`teardown left ${this.stateFile.recordedCount} process(es) on record in ${this.stateFile.path}; run 'faultline cleanup'`);
  }

  private async stopNow(node: string): Promise<void> {
    const slot = this.slot(node);
    const server = slot.server;
    if (!server?.running) return;
    if (slot.paused) server.signal("SIGCONT");
    server.signal("SIGKILL");
    const reaped = await Promise.race([server.exited.then(() => true), sleep(REAP_TIMEOUT_MS).then(() => false)]);
    if (!reaped) this.log(`node ${node} (pid ${server.pid}) was not reaped ${REAP_TIMEOUT_MS} ms after SIGKILL`);
  }

  private async spawn(node: string, slot: NodeSlot): Promise<void> {
    const spec = slot.spec!;
    if (slot.server?.running) {
      throw new Error(`node ${node} is already running (pid ${slot.server.pid}); kill it before starting it again`);
    }
    // The node binds these ports itself; give them up only now.
    await Promise.all(slot.reservations.map((r) => r.release()));
    const dataDir = slot.info.dataDir;
    const server = await NodeProcess.spawn({
      node,
      spec,
      cwd: spec.cwd ?? dataDir,
      stdoutPath: join(dataDir, "stdout.log"),
      stderrPath: join(dataDir, "stderr.log"),
      env: { ...process.env, ...spec.env, [RUN_ID_ENV]: this.runId, [NODE_NAME_ENV]: node },
    });
    this.stateFile.add({
      node,
      pid: server.pid,
      processGroup: server.pid,
      startTime: readProcess(server.pid)?.startTime ?? "",
      command: [spec.command, ...spec.args].join(" "),
    });
    slot.server = server;
    slot.paused = false;
    void server.exited.then((status) => {
      this.stateFile.remove(server.pid);
      if (slot.server === server) slot.paused = false;
      this.log(`node ${node} (pid ${server.pid}) exited: ${status.signal ? `signal ${status.signal}` : `code ${status.code}`}`);
    });
    if (this.tearingDown) {
      await this.stopNow(node);
      throw new Error(`node ${node} was started while the runtime was being torn down; it has been killed again`);
    }
  }

  /** Runs `operation` after every earlier operation on the same node has finished. */
  private enqueue<T>(node: string, operation: (slot: NodeSlot) => Promise<T>): Promise<T> {
    const slot = this.slot(node);
    const run = slot.queue.then(() => {
      this.assertOpen(`operation on node ${node}`);
      return operation(slot);
    });
    slot.queue = run.catch(() => {});
    return run;
  }

  private slot(name: string): NodeSlot {
    const slot = this.slots.get(name);
    if (!slot) throw new Error(`unknown node "${name}"; this runtime has nodes ${[...this.slots.keys()].join(", ")}`);
    return slot;
  }

  private assertOpen(what: string): void {
    if (this.tearingDown) throw new Error(`${what}: the local runtime has been torn down; create a new one`);
  }
}

function validateNodeNames(nodes: readonly string[]): void {
  if (nodes.length === 0) throw new Error("LocalRuntime.create: no nodes given; pass at least one node name");
  const seen = new Set<string>();
  for (const node of nodes) {
    if (!NODE_NAME.test(node)) {
      throw new Error(`LocalRuntime.create: node name "${node}" is not allowed; use letters, digits, '.', '_' and '-' (it names a directory)`);
    }
    if (seen.has(node)) throw new Error(`LocalRuntime.create: node name "${node}" appears twice`);
    seen.add(node);
  }
}

function signalGroupQuietly(processGroup: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-processGroup, signal);
  } catch {
    // Already gone.
  }
}
