// A twopc node: the shell around the commit core (core/core.ts). Time enters as ticks, peers'
// messages as steps, clients' TXN commands as begins. Each Ready's records are appended to the
// node's log; its messages and replies leave only once the log says they are durable (a vote yes
// after its prepared record, a commit after the decision). Readies are appended in order and the
// log makes them durable in order, so their outputs leave in order too.

import { array, bulk, errorReply, type Reply } from "../raft/resp/reply.ts";
import type { StorageMode } from "../raft/storage/wal.ts";
import { PeerLink } from "../textbook/peer-link.ts";
import { RecordLog } from "../textbook/record-log.ts";
import { TextbookRespServer, type CommandHandler } from "../textbook/resp-server.ts";
import type { CommonNodeConfig } from "../textbook/node-args.ts";
import { parseTxn } from "./commands.ts";
import { TwoPcCore, type CoreSnapshot } from "./core/core.ts";
import type { ClientReply, CoreConfig, LogRecord, PeerMessage, Protocol, Ready, TimingConfig } from "./core/types.ts";
import { validatePeerMessage } from "./wire.ts";

export interface TwoPcNodeConfig extends CommonNodeConfig {
  protocol: Protocol;
  /** The core's timeouts, in ticks of tickMs. */
  timing: Omit<TimingConfig, "tickMs">;
}

interface PendingRequest {
  resolve(reply: Reply): void;
  /** The GET keys, in command order, to answer with their values. */
  gets: string[];
}

export class TwoPcNode implements CommandHandler {
  private core!: TwoPcCore;
  private log!: RecordLog<LogRecord, CoreSnapshot>;
  private link!: PeerLink<PeerMessage>;
  private server!: TextbookRespServer;
  private tickTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Map<number, PendingRequest>();
  private requestCounter = 0;
  private stopped = false;

  private constructor(
    private readonly config: TwoPcNodeConfig,
    private readonly print: (line: string) => void,
    private readonly fatal: (error: Error) => void,
  ) {}

  static async start(config: TwoPcNodeConfig, print: (line: string) => void, fatal: (error: Error) => void): Promise<TwoPcNode> {
    const node = new TwoPcNode(config, print, fatal);
    await node.open();
    return node;
  }

  private async open(): Promise<void> {
    const { config } = this;
    const { log, recovered } = await RecordLog.open<LogRecord, CoreSnapshot>({ dataDir: config.dataDir, storage: config.storage as StorageMode, log: this.print });
    this.log = log;
    const coreConfig: CoreConfig = { ...config.timing, tickMs: config.tickMs, self: config.name, nodes: config.nodes, protocol: config.protocol };
    this.core = new TwoPcCore(coreConfig, { snapshot: recovered.snapshot, records: recovered.records });
    const status = this.core.status();
    this.print(
      `node ${config.name} starting (${config.protocol}, incarnation ${status.incarnation}): ${status.keys} keys, ${status.inDoubt} transactions in doubt holding ${status.locksHeld} locks, ` +
        `${recovered.records.length} records after ${recovered.snapshot ? "a snapshot" : "no snapshot"}`,
    );
    this.link = new PeerLink<PeerMessage>({
      self: config.name,
      host: config.host,
      port: config.peerPort,
      peers: config.peers,
      onMessage: (message) => this.guard(() => this.core.step(message)),
      log: this.print,
      validate: validatePeerMessage,
    });
    this.server = new TextbookRespServer({ host: config.host, port: config.clientPort, handler: this, log: this.print });
    await this.link.start();
    await this.server.start();
    this.tickTimer = setInterval(() => this.guard(() => this.core.tick()), config.tickMs);
    // The core's start record (and anything recovery produced) goes out now.
    this.flush();
    this.print(`node ${config.name} serving clients on ${config.host}:${config.clientPort}, peers on ${config.host}:${config.peerPort}`);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    for (const [requestId, request] of this.pending) {
      this.pending.delete(requestId);
      request.resolve(errorReply(`UNKNOWN node ${this.config.name} is shutting down before the transaction was decided; it may still commit`));
    }
    await this.server.close();
    await this.link.close();
    await this.log.close();
    this.print(`node ${this.config.name} stopped`);
  }

  // ---- clients ----------------------------------------------------------------------------------

  handle(name: string, args: readonly string[]): Promise<Reply> {
    if (name !== "TXN") return Promise.resolve(errorReply(`ERR unknown command '${name}'; this twopc node takes TXN, PING, INFO and QUIT`));
    const ops = parseTxn(args);
    if (typeof ops === "string") return Promise.resolve(errorReply(ops));
    if (this.stopped) return Promise.resolve(errorReply(`ABORTED - node ${this.config.name} is shutting down; nothing was begun`));
    const requestId = ++this.requestCounter;
    const gets = ops.flatMap((op) => (op.kind === "get" ? [op.key] : []));
    return new Promise((resolve) => {
      this.pending.set(requestId, { resolve, gets });
      this.guard(() => this.core.begin(requestId, ops, Date.now()));
    });
  }

  info(): string {
    const status = this.core.status();
    const log = this.log.stats();
    return [
      "# Server",
      `faultline_node:${this.config.name}`,
      `process_id:${process.pid}`,
      "# Twopc",
      `node:${this.config.name}`,
      `protocol:${status.protocol}`,
      `incarnation:${status.incarnation}`,
      `keys:${status.keys}`,
      `locks_held:${status.locksHeld}`,
      `in_doubt:${status.inDoubt}`,
      `oldest_in_doubt_ms:${status.oldestInDoubtTicks * this.config.tickMs}`,
      `waiting_for_locks:${status.waiting}`,
      `coordinating:${status.coordinating}`,
      `committed:${status.committed}`,
      `aborted:${status.aborted}`,
      `committed_on_timeout:${status.committedOnTimeout}`,
      `wal_syncs:${log.syncs}`,
      `wal_segments:${log.segments}`,
      `wal_recovery:${this.log.recovery.outcome}: ${this.log.recovery.detail}`,
      "",
    ].join("\r\n");
  }

  // ---- the core's outputs -----------------------------------------------------------------------

  /** Runs a core input; a core assertion is fatal, as it means the protocol's invariants broke. */
  private guard(input: () => void): void {
    if (this.stopped) return;
    try {
      input();
    } catch (error) {
      this.fatal(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.flush();
  }

  private flush(): void {
    while (this.core.hasReady()) this.release(this.core.ready());
    if (this.log.due(this.config.snapshotEvery)) {
      // Every record the core produced so far was just appended: the snapshot is their state.
      const state = this.core.snapshot();
      this.log.compact(state).then(
        () => this.print(`snapshot after ${this.log.stats().position} records; log compacted`),
        (error: unknown) => this.fatal(error instanceof Error ? error : new Error(String(error))),
      );
    }
  }

  private release(ready: Ready): void {
    for (const line of ready.logs) this.print(line);
    this.log.append(ready.records).then(
      () => {
        if (this.stopped) return;
        for (const message of ready.messages) this.link.send(message);
        for (const reply of ready.replies) this.answer(reply);
      },
      (error: unknown) => this.fatal(error instanceof Error ? error : new Error(String(error))),
    );
  }

  private answer(reply: ClientReply): void {
    const request = this.pending.get(reply.requestId);
    if (!request) return;
    this.pending.delete(reply.requestId);
    if (reply.ok) {
      request.resolve(array(request.gets.map((key) => bulk(reply.values[key] === null || reply.values[key] === undefined ? null : String(reply.values[key])))));
      return;
    }
    request.resolve(errorReply(`${reply.refused ? "REFUSED" : "ABORTED"} ${reply.txn} ${reply.reason}`));
  }
}
