// The docker runtime (DESIGN §3): one container per node on a private bridge network per run.
// Servers run inside the containers through `docker exec`; process faults are signals to the
// server's PID inside its container; network faults are iptables rules in our own chain inside
// each container (firewall.ts). Everything carries labels so `faultline cleanup` finds leftovers.

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";
import type Docker from "dockerode";
import { LINK_FAULT_FIELDS, type Grudge, type LinkCounters, type LinkFaults, type NodeInfo, type NodeState, type ProcessSpec, type Runtime } from "../runtime.ts";
import { execChecked, execCollect, startServer, type ExecResult, type ServerHandle } from "./container-exec.ts";
import { ensureDocker } from "./engine.ts";
import { FAKETIME_CONTROL_FILE, type FaketimeLayout } from "./layout.ts";

const FAKETIME_LIBRARY = "/usr/lib/*/faketime/libfaketime.so.1";
const GLIBC_MALLOC_LIBRARY = "/usr/lib/*/libc_malloc_debug.so.0";
import { CHAIN, HEALED, chainSetupScript, hasLossRules, parseLossCounters, renderChain, withLinkFaults, withPartition, type FirewallState } from "./firewall.ts";
import { NODE_LABEL, OWNER_LABEL, RUN_LABEL, currentOwner } from "./owner.ts";

/** Inside every container: where server output goes, where its PID is written, where data lives. */
export const CONTAINER_LOG_DIR = "/var/log/faultline";
const CONTAINER_RUN_DIR = "/run/faultline";

const CONTAINER_DATA_DIR = "/var/lib/faultline";

export interface DockerRuntimeOptions {
  /** Node names, which become container host names and network aliases. */
  nodes: readonly string[];
  /** Image every node runs, e.g. faultline/redis:bookworm (images/names.ts). */
  image: string;
  /** Unique per run; names the network (faultline-<runId>) and containers (faultline-<runId>-<node>). */
  runId: string;
  /** Host folder for the runtime's record of what it created (docker.json); optional. */
  dir?: string;
  /** The system's fixed ports; every container has its own address, so all nodes use the same. */
  clientPort: number;
  peerPort: number;
  /** Host paths mounted into every container, "host:container[:ro]". */
  binds?: readonly string[];
  /** Folders inside the containers (besides /var/log/faultline) that collectLogs copies out. */
  logDirs?: readonly string[];
  /** How pause() stops a node: SIGSTOP to the server (default) or `docker pause` (the cgroup
   *  freezer: every process in the container, and no `docker exec` until resume). */
  pauseWith?: "signal" | "freezer";
  /** Preload libfaketime into every server (DockerLayout.faketime). */
  faketime?: FaketimeLayout;
  /** Engine to use; default: the local engine, which must already run. */
  docker?: Docker;
}

interface NodeEntry {
  info: NodeInfo;
  container: Docker.Container;
  containerName: string;
  spec?: ProcessSpec;
  server?: ServerHandle & { done: boolean };
  paused: boolean;
  /** The chain last written to this node, so unchanged nodes are not touched again. */
  appliedChain: string;
  /** LD_PRELOAD for libfaketime in this container (its library, glibc's malloc first where the
   *  layout asks), when the runtime preloads it. */
  faketimePreload?: string;
}

const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function statusCode(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** Ignores "no such object" and "already in that state" answers: teardown and heal are idempotent. */
async function ignoreGone(action: Promise<unknown>): Promise<void> {
  try {
    await action;
  } catch (error) {
    const code = statusCode(error);
    if (code !== 404 && code !== 304 && code !== 409) throw error;
  }
}

/** Like Promise.all, but waits for every promise before throwing the first error, so a cleanup
 *  after a failure sees every container that was made (none still being created behind it). */
async function allSettledOrThrow<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** Whether the server exits within `ms`; the timer is cleared so it never holds the process open. */
async function exitsWithin(server: ServerHandle, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([server.exited.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** LD_PRELOAD for the image's libfaketime (its multiarch folder varies), after writing a zero offset
 *  into the control file so that a server starts on real time. */
async function findFaketime(docker: Docker, container: Docker.Container, node: string, image: string, layout: FaketimeLayout): Promise<string> {
  // One line per library, empty when the image lacks it.
  const find = (pattern: string) => `echo "$(ls ${pattern} 2>/dev/null | head -n 1)"`;
  const found = await execCollect(docker, container, ["sh", "-c", `printf '+0\\n' > ${FAKETIME_CONTROL_FILE} && ${find(FAKETIME_LIBRARY)} && ${find(GLIBC_MALLOC_LIBRARY)}`]);
  const [library = "", glibcMalloc = ""] = found.stdout.split("\n").map((line) => line.trim());
  if (found.exitCode !== 0 || library === "") {
    throw new Error(`DockerRuntime.create: image ${image} on ${node} has no libfaketime (${FAKETIME_LIBRARY}); add the libfaketime package to its Dockerfile and run 'faultline images build'`);
  }
  if (!layout.glibcMalloc) return library;
  if (glibcMalloc === "") throw new Error(`DockerRuntime.create: image ${image} on ${node} has no ${GLIBC_MALLOC_LIBRARY} (glibc ≥ 2.34 ships it), which its faketime layout preloads ahead of libfaketime`);
  return `${glibcMalloc} ${library}`;
}

/** Preloads libfaketime with its offset read from the control file on every call (so a change takes
 *  effect at once), moving only the wall clock: monotonic time stays real, as on a machine whose
 *  clock is stepped (and JVMs misbehave when it is not). */
function faketimeEnvironment(preload: string): Record<string, string> {
  return { LD_PRELOAD: preload, FAKETIME_TIMESTAMP_FILE: FAKETIME_CONTROL_FILE, FAKETIME_NO_CACHE: "1", FAKETIME_DONT_FAKE_MONOTONIC: "1" };
}

function signalName(signal: NodeJS.Signals): string {
  return signal.replace(/^SIG/, "");
}

export class DockerRuntime implements Runtime {
  readonly kind = "docker" as const;
  /** iptables' statistic match drops packets; latency, duplication and reordering would need
   *  netem, which this kernel lacks. */
  readonly linkFaultFields = LINK_FAULT_FIELDS.docker;
  /** Loss counters of chains since rewritten (a rewrite resets a chain's counters), per "a>b". */
  private readonly lossTotals = new Map<string, { received: number; dropped: number }>();
  readonly runId: string;
  readonly networkName: string;
  private readonly docker: Docker;
  private readonly entries: Map<string, NodeEntry>;
  private readonly order: readonly string[];
  private readonly options: DockerRuntimeOptions;
  private firewall: FirewallState = HEALED;
  private tornDown = false;

  private constructor(docker: Docker, options: DockerRuntimeOptions, networkName: string, entries: Map<string, NodeEntry>) {
    this.docker = docker;
    this.options = options;
    this.runId = options.runId;
    this.networkName = networkName;
    this.entries = entries;
    this.order = [...options.nodes];
  }

  /** Creates the run's network and one running container per node, ready for start(). On any
   *  failure it removes what it had created and throws. */
  static async create(options: DockerRuntimeOptions): Promise<DockerRuntime> {
    if (!DOCKER_NAME.test(options.runId)) {
      throw new Error(`DockerRuntime.create: runId "${options.runId}" is not a valid Docker name part; use letters, digits, '_', '.', '-'`);
    }
    if (options.nodes.length === 0) throw new Error("DockerRuntime.create: no nodes given");
    for (const node of options.nodes) {
      if (!DOCKER_NAME.test(node)) throw new Error(`DockerRuntime.create: node name "${node}" is not a valid host name; use letters, digits, '-'`);
    }
    if (new Set(options.nodes).size !== options.nodes.length) throw new Error(`DockerRuntime.create: duplicate node names in ${options.nodes.join(", ")}`);
    const docker = options.docker ?? (await ensureDocker({ install: false }));
    try {
      await docker.getImage(options.image).inspect();
    } catch (error) {
      if (statusCode(error) === 404) {
        throw new Error(`DockerRuntime.create: image ${options.image} does not exist; build it with 'faultline images build'`);
      }
      throw error;
    }

    const networkName = `faultline-${options.runId}`;
    const labels = { [RUN_LABEL]: options.runId, [OWNER_LABEL]: currentOwner() };
    const created: Docker.Container[] = [];
    let network: Docker.Network | undefined;
    try {
      // Internal: the host reaches the containers, but they reach nothing outside the run.
      network = await docker.createNetwork({ Name: networkName, Driver: "bridge", Internal: true, CheckDuplicate: true, Labels: labels });
      const containers = await allSettledOrThrow(
        options.nodes.map(async (node) => {
          const container = await docker.createContainer({
            name: `${networkName}-${node}`,
            Hostname: node,
            Image: options.image,
            Cmd: ["sleep", "infinity"],
            Labels: { ...labels, [NODE_LABEL]: node },
            HostConfig: {
              // tini as PID 1: reaps orphans, and keeps signals to servers meaningful (PID 1 ignores them).
              Init: true,
              CapAdd: ["NET_ADMIN"],
              NetworkMode: networkName,
              Binds: options.binds ? [...options.binds] : undefined,
            },
            NetworkingConfig: { EndpointsConfig: { [networkName]: { Aliases: [node] } } },
          });
          created.push(container);
          return container;
        }),
      );
      await allSettledOrThrow(containers.map((container) => container.start()));
      const entries = new Map<string, NodeEntry>();
      await allSettledOrThrow(
        options.nodes.map(async (node, index) => {
          const container = containers[index];
          const inspected = await container.inspect();
          const host = inspected.NetworkSettings.Networks[networkName]?.IPAddress;
          if (!host) throw new Error(`DockerRuntime.create: container for ${node} has no address on ${networkName}`);
          await execChecked(docker, container, `preparing ${node}`, [
            "sh",
            "-c",
            `mkdir -p ${CONTAINER_LOG_DIR} ${CONTAINER_RUN_DIR} ${CONTAINER_DATA_DIR}/${node} && ${chainSetupScript()}`,
          ]);
          const faketimePreload = options.faketime ? await findFaketime(docker, container, node, options.image, options.faketime) : undefined;
          entries.set(node, {
            info: { name: node, host, clientPort: options.clientPort, peerPort: options.peerPort, dataDir: `${CONTAINER_DATA_DIR}/${node}` },
            container,
            containerName: `${networkName}-${node}`,
            paused: false,
            appliedChain: renderChain(node, HEALED, () => host),
            faketimePreload,
          });
        }),
      );
      const runtime = new DockerRuntime(docker, options, networkName, entries);
      runtime.writeRecord();
      return runtime;
    } catch (error) {
      await Promise.all(created.map((container) => ignoreGone(container.remove({ force: true }))));
      if (network) await ignoreGone(network.remove());
      throw error;
    }
  }

  /** docker.json in `dir`: which containers and network this run made, for a person debugging it. */
  private writeRecord(): void {
    if (!this.options.dir) return;
    mkdirSync(this.options.dir, { recursive: true });
    const nodes = Object.fromEntries(
      this.order.map((name) => {
        const entry = this.entry(name);
        return [name, { container: entry.containerName, id: entry.container.id, address: entry.info.host }];
      }),
    );
    writeFileSync(
      join(this.options.dir, "docker.json"),
      JSON.stringify({ runId: this.runId, network: this.networkName, image: this.options.image, nodes }, null, 2) + "\n",
    );
  }

  private entry(node: string): NodeEntry {
    const entry = this.entries.get(node);
    if (!entry) throw new Error(`docker runtime: unknown node "${node}"; nodes are ${this.order.join(", ")}`);
    return entry;
  }

  private live(node: string): NodeEntry & { server: ServerHandle & { done: boolean } } | undefined {
    const entry = this.entry(node);
    if (!entry.server || entry.server.done) return undefined;
    return entry as NodeEntry & { server: ServerHandle & { done: boolean } };
  }

  nodes(): readonly NodeInfo[] {
    return this.order.map((name) => this.entry(name).info);
  }

  node(name: string): NodeInfo {
    return this.entry(name).info;
  }

  /** Peers dial each other directly: faults are made by the receiving node's firewall, not a proxy. */
  peerAddress(from: string, to: string): { host: string; port: number } {
    this.entry(from);
    const target = this.entry(to).info;
    return { host: target.host, port: target.peerPort };
  }

  /** The container a node runs in (for systems that need to `docker cp` files in, and for tests). */
  containerName(node: string): string {
    return this.entry(node).containerName;
  }

  /** PID of the node's server inside its container, while it runs. */
  serverPid(node: string): number | undefined {
    return this.live(node)?.server.pid;
  }

  async start(node: string, spec: ProcessSpec): Promise<void> {
    const entry = this.entry(node);
    if (this.live(node)) throw new Error(`docker runtime: ${node} already runs a server (pid ${entry.server?.pid}); kill it before starting another`);
    entry.spec = spec;
    entry.paused = false;
    const handle = await startServer(this.docker, entry.container, spec.command, spec.args, {
      env: entry.faketimePreload ? { ...spec.env, ...faketimeEnvironment(entry.faketimePreload) } : spec.env,
      cwd: spec.cwd,
      logFile: `${CONTAINER_LOG_DIR}/${node}.log`,
      pidFile: `${CONTAINER_RUN_DIR}/server.pid`,
    });
    const server = { ...handle, done: false };
    entry.server = server;
    void handle.exited.then(() => {
      server.done = true;
      if (entry.server === server) entry.paused = false;
    });
  }

  async restart(node: string): Promise<void> {
    const entry = this.entry(node);
    if (!entry.spec) throw new Error(`docker runtime: restart(${node}) before any start(); nothing to restart`);
    if (this.live(node)) await this.kill(node, "SIGKILL");
    await this.start(node, entry.spec);
  }

  private async signal(entry: NodeEntry, pid: number, signal: string): Promise<ExecResult> {
    return execCollect(this.docker, entry.container, ["kill", "-s", signal, String(pid)]);
  }

  async kill(node: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const entry = this.live(node);
    if (!entry) return;
    const { server } = entry;
    if (entry.paused && this.options.pauseWith === "freezer") await this.resume(node);
    const result = await this.signal(entry, server.pid, signalName(signal));
    // A non-zero exit means the process was already gone, which the exit watcher will confirm.
    if (result.exitCode !== 0 && !server.done) {
      if (!(await exitsWithin(server, 2000))) throw new Error(`docker runtime: kill -${signalName(signal)} ${server.pid} on ${node} failed: ${result.stderr.trim()}`);
    }
    // A stopped process only acts on SIGKILL; any other signal waits until it runs again.
    if (entry.paused && signal !== "SIGKILL") await this.signal(entry, server.pid, "CONT");
    const timeoutMs = signal === "SIGKILL" ? 10_000 : 30_000;
    if (!(await exitsWithin(server, timeoutMs))) {
      throw new Error(`docker runtime: ${node}'s server (pid ${server.pid}) still runs ${timeoutMs} ms after ${signal}; kill it with SIGKILL`);
    }
    entry.paused = false;
  }

  async pause(node: string): Promise<void> {
    const entry = this.live(node);
    if (!entry) throw new Error(`docker runtime: cannot pause ${node}: its server is not running`);
    if (entry.paused) return;
    if (this.options.pauseWith === "freezer") await entry.container.pause();
    else await execChecked(this.docker, entry.container, `pausing ${node}`, ["kill", "-s", "STOP", String(entry.server.pid)]);
    entry.paused = true;
  }

  async resume(node: string): Promise<void> {
    const entry = this.entry(node);
    if (!entry.paused) return;
    if (this.options.pauseWith === "freezer") await ignoreGone(entry.container.unpause());
    else if (this.live(node)) await execChecked(this.docker, entry.container, `resuming ${node}`, ["kill", "-s", "CONT", String(entry.server?.pid)]);
    entry.paused = false;
  }

  state(node: string): NodeState {
    const entry = this.entry(node);
    if (!this.live(node)) return "stopped";
    return entry.paused ? "paused" : "running";
  }

  async exec(node: string, command: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const entry = this.entry(node);
    if (entry.paused && this.options.pauseWith === "freezer") {
      throw new Error(`docker runtime: cannot exec in ${node} while it is frozen (pauseWith: "freezer"); resume it first`);
    }
    return execCollect(this.docker, entry.container, [command, ...args]);
  }

  async partition(grudge: Grudge): Promise<void> {
    this.firewall = withPartition(this.firewall, grudge, this.order);
    await this.applyFirewall(false);
  }

  async setLinkFaults(faults: LinkFaults, links?: { from: string; to: string }[]): Promise<void> {
    this.firewall = withLinkFaults(this.firewall, faults, links, this.order);
    await this.applyFirewall(false);
  }

  async heal(): Promise<void> {
    if (this.tornDown) return;
    this.firewall = HEALED;
    // Written to every node even if we believe it is already empty: heal must be certain.
    await this.applyFirewall(true);
  }

  private async applyFirewall(always: boolean): Promise<void> {
    if (this.tornDown) throw new Error("docker runtime: network faults after teardown");
    const addressOf = (node: string): string => this.entry(node).info.host;
    await Promise.all(
      this.order.map(async (node) => {
        const entry = this.entry(node);
        const chain = renderChain(node, this.firewall, addressOf);
        if (!always && chain === entry.appliedChain) return;
        if (hasLossRules(entry.appliedChain)) await this.keepLossCounters(entry);
        if (entry.paused && this.options.pauseWith === "freezer") await this.restoreBeside(entry, chain);
        else await execChecked(this.docker, entry.container, `network faults on ${node}`, ["iptables-restore", "-w", "--noflush"], { stdin: chain });
        entry.appliedChain = chain;
      }),
    );
  }

  async linkCounters(): Promise<LinkCounters[]> {
    const current = new Map<string, { received: number; dropped: number }>();
    await Promise.all(
      this.order.map(async (node) => {
        const entry = this.entry(node);
        // A frozen container accepts no exec: its counts wait for the next reading.
        if (!hasLossRules(entry.appliedChain) || (entry.paused && this.options.pauseWith === "freezer")) return;
        for (const [link, counts] of Object.entries(await this.readLossCounters(entry))) current.set(link, counts);
      }),
    );
    const counters: LinkCounters[] = [];
    for (const from of this.order) {
      for (const to of this.order) {
        if (from === to) continue;
        const link = `${from}>${to}`;
        const total = this.lossTotals.get(link);
        const now = current.get(link);
        counters.push({
          from,
          to,
          unit: "packets",
          received: (total?.received ?? 0) + (now?.received ?? 0),
          droppedByFault: (total?.dropped ?? 0) + (now?.dropped ?? 0),
          duplicated: 0,
          heldBack: 0,
          delayed: 0,
          delayMsTotal: 0,
          delayMsMax: 0,
        });
      }
    }
    return counters;
  }

  /** Adds a chain's loss counters to the totals before a rewrite resets them. A frozen container
   *  cannot be asked; its counts since the last rewrite are lost (and the totals say less). */
  private async keepLossCounters(entry: NodeEntry): Promise<void> {
    if (entry.paused && this.options.pauseWith === "freezer") return;
    for (const [link, counts] of Object.entries(await this.readLossCounters(entry))) {
      const total = this.lossTotals.get(link) ?? { received: 0, dropped: 0 };
      this.lossTotals.set(link, { received: total.received + counts.received, dropped: total.dropped + counts.dropped });
    }
  }

  private async readLossCounters(entry: NodeEntry): Promise<Record<string, { received: number; dropped: number }>> {
    const listing = await execChecked(this.docker, entry.container, `reading the loss counters of ${entry.info.name}`, ["iptables", "-w", "-L", CHAIN, "-v", "-x", "-n"]);
    return parseLossCounters(listing);
  }

  /** A frozen container accepts no exec, but its network namespace can be changed from a short-lived
   *  container that joins it: faults and heals must not wait for a resume. */
  private async restoreBeside(entry: NodeEntry, chain: string): Promise<void> {
    const helper = await this.docker.createContainer({
      Image: this.options.image,
      Cmd: ["sh", "-c", "cat > /tmp/chain && iptables-restore -w --noflush < /tmp/chain"],
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Labels: { [RUN_LABEL]: this.runId, [OWNER_LABEL]: currentOwner() },
      HostConfig: { NetworkMode: `container:${entry.container.id}`, CapAdd: ["NET_ADMIN"], AutoRemove: false },
    });
    try {
      const stream = await helper.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
      await helper.start();
      stream.end(chain);
      const result = (await helper.wait()) as { StatusCode: number };
      if (result.StatusCode !== 0) {
        const logs = await helper.logs({ stdout: true, stderr: true });
        throw new Error(`network faults on frozen ${entry.info.name}: iptables-restore exited with ${result.StatusCode}: ${logs.toString().trim()}`);
      }
    } finally {
      await ignoreGone(helper.remove({ force: true }));
    }
  }

  /** The server's log holds both its streams (the wrapper sends stderr along with stdout). */
  async stderrTail(node: string, lines: number): Promise<string> {
    const result = await execCollect(this.docker, this.entry(node).container, ["tail", "-n", String(lines), `${CONTAINER_LOG_DIR}/${node}.log`]);
    if (result.exitCode !== 0) throw new Error(`docker runtime: reading ${node}'s server log failed: ${result.stderr.trim()}`);
    return result.stdout;
  }

  async collectLogs(dir: string): Promise<void> {
    await Promise.all(
      this.order.map(async (node) => {
        const entry = this.entry(node);
        const target = join(dir, node);
        mkdirSync(target, { recursive: true });
        // Our own log folder lands flat in the node's folder; other folders keep their name.
        await this.copyOut(entry, CONTAINER_LOG_DIR, target, 1);
        for (const logDir of this.options.logDirs ?? []) await this.copyOut(entry, logDir, target, 0);
      }),
    );
  }

  private async copyOut(entry: NodeEntry, path: string, target: string, stripComponents: number): Promise<void> {
    let archive: NodeJS.ReadableStream;
    try {
      archive = await entry.container.getArchive({ path: posix.normalize(path) });
    } catch (error) {
      if (statusCode(error) === 404) return;
      throw new Error(`collecting ${path} from ${entry.info.name}: ${(error as Error).message}`);
    }
    await new Promise<void>((resolve, reject) => {
      const tar = spawn("tar", ["-x", "-C", target, `--strip-components=${stripComponents}`, "--no-same-owner"], { stdio: ["pipe", "ignore", "pipe"] });
      let stderr = "";
      tar.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      tar.on("error", reject);
      tar.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`extracting ${path} of ${entry.info.name} into ${target}: tar exited with ${code}: ${stderr.trim()}`))));
      archive.on("error", reject);
      archive.pipe(tar.stdin);
    });
  }

  async teardown(): Promise<void> {
    this.tornDown = true;
    await Promise.all([...this.entries.values()].map((entry) => ignoreGone(entry.container.remove({ force: true }))));
    for (const entry of this.entries.values()) entry.paused = false;
    const network = this.docker.getNetwork(this.networkName);
    // The engine may still be detaching the removed containers' endpoints for a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        await ignoreGone(network.remove());
        return;
      } catch (error) {
        if (attempt >= 10) throw new Error(`docker runtime: removing network ${this.networkName}: ${(error as Error).message}; 'faultline cleanup' will retry`);
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }
}
