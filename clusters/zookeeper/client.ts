// One logical client process with a session on one server only (its node), so a client bound to a
// follower really reads from that follower. The workload's planner (planners.ts) says which
// requests an op makes; the session sends them, starting a new ZooKeeper session when the old one
// ended (expired while the node was down or cut off). Used by the zookeeper system (real
// ZooKeeper) and the zab system (our own ensemble): the same C client against both.

import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "../../harness/interpreter/client.ts";
import type { Completion } from "../../harness/op.ts";
import { clientsFrom, PlannedClient, type Session } from "../client/planned-client.ts";
import { untilAborted } from "../client/timeout.ts";
import type { ClusterContext, OpenClient } from "../system.ts";
import { DEFAULT_SESSION_TIMEOUT_MS, ZkConnection } from "./connection.ts";
import { zooKeeperOutcome } from "./outcome.ts";
import { zooKeeperPlanners, type ZkPlan, type ZkWorkloadClient, type ZooKeeperClientOptions } from "./planners.ts";

/** How long an op waits for a session that is (re)connecting before failing unsent. */
const RECONNECT_GRACE_MS = 250;
/** The C client waits up to a third of the session timeout between attempts to reconnect to its
 *  one server; a workload whose sessions hold nothing (all but lock) opens a new session instead
 *  once the old one has been reconnecting this long, so a server that is back serves at once. */
const REPLACE_AFTER_MS = 500;
/** How long opening a client waits for its session; ops fail fast (unsent) while there is none. */
const CLIENT_CONNECT_MS = 1000;
/** After the C client's host process died (native-rpc.ts), the new host must start and load the
 *  addon before its session connects, which takes longer than RECONNECT_GRACE_MS: an op then
 *  waits for the new session within its own timeout instead (perform), for this long at most
 *  after the host died. The crash is ours, not the servers', so it must not fail ops by itself
 *  — above all not the final reads, which each client makes once and which decide the verdict. */
const HOST_RESTART_GRACE_MS = 10_000;

/** Between a read's attempts when the host died under it. */
const RETRY_PAUSE_MS = 100;

/** The op's timeout passed while waiting for a session in a new host: nothing was sent. */
class NotSent extends Error {}

class ZooKeeperSession implements Session<ZkPlan> {
  private connection: ZkConnection;
  private connectingSince: number | undefined;
  /** When the host process carrying this session's connection died, until the new one connects. */
  private hostLostAt: number | undefined;

  constructor(
    private readonly node: string,
    private readonly endpoint: { host: string; port: number },
    private readonly sessionTimeoutMs: number,
    /** The session holds state (a lock's ephemeral node): reconnect it, never replace it. */
    private readonly keepSession: boolean,
  ) {
    this.connection = this.connect();
  }

  waitConnected(timeoutMs: number): Promise<boolean> {
    return this.connection.waitConnected(timeoutMs);
  }

  async unready(): Promise<string | undefined> {
    const now = Date.now();
    if (this.connection.connected) {
      this.connectingSince = undefined;
      this.hostLostAt = undefined;
    } else this.connectingSince ??= now;
    if (this.connection.hostExited) {
      this.hostLostAt ??= now;
      this.connection = this.connect();
      this.connectingSince = now;
    }
    // A new host is starting: perform() waits for its session within the op's timeout.
    if (this.hostLostAt !== undefined && now - this.hostLostAt < HOST_RESTART_GRACE_MS && this.connection.state === "connecting") return undefined;
    const stuck = !this.keepSession && this.connectingSince !== undefined && now - this.connectingSince > REPLACE_AFTER_MS;
    if (this.connection.expired || stuck) {
      // The session ended (e.g. expired while the node was down), or is slow to come back: start
      // a new one.
      this.connection.close();
      this.connection = this.connect();
      this.connectingSince = now;
    }
    if (await this.connection.waitConnected(RECONNECT_GRACE_MS)) return undefined;
    return `no session with ${this.node} (state ${this.connection.state})`;
  }

  async perform(plan: ZkPlan, signal: AbortSignal): Promise<Completion> {
    for (;;) {
      try {
        await this.awaitNewHost(signal);
        return await untilAborted(plan.run(this.connection, signal), signal);
      } catch (error) {
        // The host died under the op (or before the op's session in a new host came up). A write
        // that was sent may have reached the server: its outcome stands as the error says (info;
        // one never sent fails). A read changes nothing, so it is simply made again on a new
        // host until it answers or its time runs out.
        if (!plan.readOnly || signal.aborted || !this.connection.hostExited) throw error;
        // A host that dies again at once must not be respawned in a tight loop.
        await sleep(RETRY_PAUSE_MS);
        this.hostLostAt ??= Date.now();
        this.connection = this.connect();
        this.connectingSince = Date.now();
      }
    }
  }

  outcome(error: unknown, plan: ZkPlan): Completion {
    if (error instanceof NotSent) return { type: "fail", error: `not sent: ${error.message}` };
    return zooKeeperOutcome(error, plan);
  }

  /** Waits, within the op's timeout, for the session of a connection opened in a new host;
   *  returns at once for any other connection (unready() already judged it). */
  private async awaitNewHost(signal: AbortSignal): Promise<void> {
    if (this.hostLostAt === undefined || this.connection.connected) return;
    const waited = Date.now();
    await untilAborted(this.connection.waitConnected(HOST_RESTART_GRACE_MS), signal).catch(() => false);
    if (this.connection.connected) {
      this.hostLostAt = undefined;
      return;
    }
    throw new NotSent(`no session with ${this.node} after the C client host process died (state ${this.connection.state}, waited ${Date.now() - waited} ms)`);
  }

  async close(): Promise<void> {
    this.connection.close();
  }

  private connect(): ZkConnection {
    return new ZkConnection(this.endpoint.host, this.endpoint.port, { sessionTimeoutMs: this.sessionTimeoutMs });
  }
}

/** The clients record of a system whose servers speak ZooKeeper's protocol: one per workload of
 *  planners.ts. `readOptions` parses the run's options (and refuses bad ones). */
export function zooKeeperClients(system: string, readOptions: (options: Record<string, unknown>) => ZooKeeperClientOptions): Readonly<Record<string, OpenClient>> {
  return clientsFrom(zooKeeperPlanners, async (workloadClient: ZkWorkloadClient, ctx: ClusterContext, node: string): Promise<Client> => {
    const planner = workloadClient.planner(readOptions(ctx.options));
    const info = ctx.runtime.node(node);
    const { timeoutMs, keepSession } = workloadClient.session?.(ctx.options) ?? { timeoutMs: DEFAULT_SESSION_TIMEOUT_MS, keepSession: false };
    const session = new ZooKeeperSession(node, { host: info.host, port: info.clientPort }, timeoutMs, keepSession);
    await session.waitConnected(CLIENT_CONNECT_MS);
    return new PlannedClient(system, node, planner, session);
  });
}
