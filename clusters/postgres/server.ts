// One node's PostgreSQL server: its data directory (<node dataDir>/pgdata), initdb, and the
// postmaster started in the foreground through the runtime, so the runtime's kill and pause land
// on it (and, through the signal mirror, on its backends).

import { rmSync } from "node:fs";
import { join } from "node:path";
import { stopServers } from "../lifecycle/stop.ts";
import { waitUntil } from "../lifecycle/wait.ts";
import type { ProcessSpec, Runtime } from "../runtime/runtime.ts";
import type { Binaries } from "./binaries.ts";
import { DATABASE, type Endpoint, SUPERUSER, queryRefusal } from "./connection.ts";
import { killServerProcesses, serverProcesses, signalEach } from "./server-processes.ts";
import { serverSettings, settingsArgs } from "./server-settings.ts";
import { asServerUser, requireServerUser, type ServerUser } from "./server-user.ts";
import { SignalMirror } from "./signal-mirror.ts";

/** Covers WAL replay after a kill under load, which takes longer than a clean start. */
const READY_TIMEOUT_MS = 60_000;

export interface PostgresServerOptions {
  runtime: Runtime;
  node: string;
  binaries: Binaries;
  user: ServerUser;
  /** Leave the data directory in place after stop(). */
  keepData: boolean;
  log: (line: string) => void;
}

export class PostgresServer {
  readonly dataDir: string;
  private readonly mirror: SignalMirror;

  constructor(private readonly options: PostgresServerOptions) {
    this.dataDir = join(options.runtime.node(options.node).dataDir, "pgdata");
    this.mirror = new SignalMirror(options.runtime, options.node, this.dataDir, options.log);
  }

  get endpoint(): Endpoint {
    const info = this.options.runtime.node(this.options.node);
    return { host: info.host, port: info.clientPort };
  }

  /** Creates the data directory, owned by the server user, and runs initdb in it. */
  async initialise(): Promise<void> {
    const { runtime, node, user } = this.options;
    await requireServerUser(runtime, node, user);
    const owner = user.kind === "switch" ? ["-o", user.name, "-g", user.name] : [];
    await this.exec("install", ["-d", "-m", "0700", ...owner, this.dataDir], "creating the data directory");
    if (user.kind === "switch") {
      const probe = asServerUser(user, "test", ["-w", this.dataDir]);
      const reach = await runtime.exec(node, probe.command, probe.args);
      if (reach.exitCode !== 0) {
        throw new Error(`postgres on ${node}: the OS user "${user.name}" cannot reach its data directory ${this.dataDir}: a directory above it is not searchable by that user (a mkdtemp directory is mode 0700); chmod o+x the directories above it, or run the harness as a non-root user`);
      }
    }
    const initdb = asServerUser(user, this.options.binaries.initdb, [
      "-D", this.dataDir, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C",
      // The harness crashes processes, not the machine: initdb's files in the page cache survive.
      "--no-sync",
    ]);
    await this.exec(initdb.command, initdb.args, "initdb");
  }

  /** Starts the postmaster and waits until it accepts connections. */
  async start(): Promise<void> {
    await this.options.runtime.start(this.options.node, this.processSpec());
    this.mirror.start();
    await this.waitReady("starting");
  }

  /** Starts the server again from its data directory after it was killed; PostgreSQL replays its
   *  WAL from the last checkpoint. A server that is still running is left alone. */
  async restart(): Promise<void> {
    const { runtime, node } = this.options;
    const state = runtime.state(node);
    if (state === "paused") throw new Error(`postgres on ${node} is paused, not stopped; resume it instead of restarting it`);
    if (state === "running") return this.waitReady("running");
    // Backends of the killed postmaster still attached to its shared memory make the new one
    // refuse to start; the mirror kills them, but maybe not yet.
    await killServerProcesses(this.dataDir);
    // No process runs in the data directory now, so the lock file is stale for sure. Left in
    // place it can stop the start: its pid may meanwhile belong to another postgres-owned process.
    rmSync(join(this.dataDir, "postmaster.pid"), { force: true });
    await runtime.restart(node);
    this.mirror.start();
    await this.waitReady("restarting after a kill");
  }

  /** Fast shutdown (SIGINT: roll back open transactions, checkpoint, exit); SIGKILL for a server
   *  that takes longer than the grace period or is paused. Leaves no process behind, and
   *  unless keepData, no data directory: it is ~40 MB per run, and what a run learned is in its
   *  history and the server log beside it. */
  async stop(): Promise<void> {
    const { runtime, node } = this.options;
    this.mirror.stop();
    // The mirror stopped a paused node's backends; a postmaster shutting down would wait for
    // them in vain.
    signalEach(serverProcesses(this.dataDir), "SIGCONT");
    await stopServers({ runtime, nodes: [node], log: this.options.log }, "postgres", { signal: "SIGINT" });
    await killServerProcesses(this.dataDir);
    if (!this.options.keepData) rmSync(this.dataDir, { recursive: true, force: true });
  }

  private processSpec(): ProcessSpec {
    const { binaries, user } = this.options;
    const settings = serverSettings({ dataDir: this.dataDir, port: this.endpoint.port });
    const { command, args } = asServerUser(user, binaries.postgres, ["-D", this.dataDir, ...settingsArgs(settings)]);
    // English server messages, whatever the harness's locale: they end up in the history's errors.
    return { command, args, env: { LC_ALL: "C" } };
  }

  private async waitReady(doing: string): Promise<void> {
    const { runtime, node } = this.options;
    const { host, port } = this.endpoint;
    let refusal = "no attempt yet";
    const failure = () => `the server on ${node} (${doing}, database ${DATABASE}) did not accept connections on ${host}:${port} (last error: ${refusal})`;
    await waitUntil(runtime, { system: "postgres", failure, timeoutMs: READY_TIMEOUT_MS, pollMs: 100, logs: `${node}'s stderr.log (the server logs there)`, watch: [node] }, async () => {
      const refused = await queryRefusal(this.endpoint);
      if (refused === undefined) return true;
      refusal = refused;
      return false;
    });
  }

  private async exec(command: string, args: string[], doing: string): Promise<void> {
    const result = await this.options.runtime.exec(this.options.node, command, args);
    if (result.exitCode !== 0) {
      throw new Error(`postgres on ${this.options.node}: ${doing} failed (${command} exited ${result.exitCode}): ${(result.stderr || result.stdout).trim()}`);
    }
  }
}
