// The shell around a textbook protocol core (twopc, quorum), as etcd's raft node is around its
// core: time enters as ticks, peers' messages as steps, clients' commands as the core's own
// requests. Each Ready's records are appended to the node's log (record-log.ts); its messages and
// replies leave only once the log says they are durable. Readies are appended in order and the log
// makes them durable in order, so their outputs leave in order too. What a Ready says happened
// (a participant prepared, a coordinator decided) is published to a watching harness at once, before
// the records are durable and the messages leave: a fault that answers it lands before they do.

import { errorReply, type Reply } from "../raft/resp/reply.ts";
import type { StorageMode } from "../raft/storage/wal.ts";
import { encodeEvent, EVENTS_CHANNEL, type EmittedEvent } from "../node-faults/events.ts";
import type { CommonNodeConfig } from "./node-args.ts";
import type { ReadyOf } from "./outbox.ts";
import { PeerLink } from "./peer-link.ts";
import { RecordLog } from "./record-log.ts";
import { TextbookRespServer, type CommandHandler } from "./resp-server.ts";

/** What the shell needs of a core. */
export interface ShellCore<Message, Record, ClientReply, Snapshot> {
  tick(): void;
  step(message: Message): void;
  hasReady(): boolean;
  ready(): ReadyOf<Message, Record, ClientReply>;
  /** The state every record produced so far built (for compaction). */
  snapshot(): Snapshot;
}

/** A system's part: its core, its commands, what INFO says. */
export interface NodeBehaviour<Core, Message, ClientReply, Snapshot, Record> {
  system: string;
  /** Builds the core from what the log recovered. */
  makeCore(recovered: { snapshot: Snapshot | undefined; records: Record[] }): Core;
  /** Checks a decoded peer message; throws with what is wrong. */
  validate(value: unknown): Message;
  /** Handles a client command: starts it on the core and returns the request id whose reply will
   *  answer it, or answers at once (a reply). */
  command(core: Core, name: string, args: readonly string[], requestId: number): number | Reply;
  /** The RESP answer to the core's reply for a request. */
  answer(reply: ClientReply): Reply;
  requestIdOf(reply: ClientReply): number;
  /** INFO lines of the system's own section. */
  info(core: Core): string[];
  /** One line saying what the node starts from. */
  describeStart(core: Core, recovered: { snapshot: Snapshot | undefined; records: Record[] }): string;
  /** The protocol events a Ready stands for (clusters/node-faults/events.ts); asked only while a
   *  harness listens. */
  events?(core: Core, ready: ReadyOf<Message, Record, ClientReply>): EmittedEvent[];
}

export class TextbookNode<Core extends ShellCore<Message, Record, ClientReply, Snapshot>, Message extends { from: string; to: string; type: string }, Record, ClientReply, Snapshot>
  implements CommandHandler
{
  private core!: Core;
  private log!: RecordLog<Record, Snapshot>;
  private link!: PeerLink<Message>;
  private server!: TextbookRespServer;
  private tickTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private requestCounter = 0;
  private stopped = false;

  private constructor(
    private readonly config: CommonNodeConfig,
    private readonly behaviour: NodeBehaviour<Core, Message, ClientReply, Snapshot, Record>,
    private readonly print: (line: string) => void,
    private readonly fatal: (error: Error) => void,
  ) {}

  static async start<Core extends ShellCore<Message, Record, ClientReply, Snapshot>, Message extends { from: string; to: string; type: string }, Record, ClientReply, Snapshot>(
    config: CommonNodeConfig,
    behaviour: NodeBehaviour<Core, Message, ClientReply, Snapshot, Record>,
    print: (line: string) => void,
    fatal: (error: Error) => void,
  ): Promise<TextbookNode<Core, Message, Record, ClientReply, Snapshot>> {
    const node = new TextbookNode(config, behaviour, print, fatal);
    await node.open();
    return node;
  }

  private async open(): Promise<void> {
    const { config, behaviour } = this;
    const { log, recovered } = await RecordLog.open<Record, Snapshot>({ dataDir: config.dataDir, storage: config.storage as StorageMode, log: this.print });
    this.log = log;
    this.core = behaviour.makeCore(recovered);
    this.print(`node ${config.name} starting: ${behaviour.describeStart(this.core, recovered)}`);
    this.link = new PeerLink<Message>({
      self: config.name,
      host: config.host,
      port: config.peerPort,
      peers: config.peers,
      onMessage: (message) => this.guard(() => this.core.step(message)),
      log: this.print,
      validate: behaviour.validate,
    });
    this.server = new TextbookRespServer({ host: config.host, port: config.clientPort, handler: this, log: this.print });
    await this.link.start();
    await this.server.start();
    this.tickTimer = setInterval(() => this.guard(() => this.core.tick()), config.tickMs);
    // Whatever the core produced while starting (a start record) goes out now.
    this.flush();
    this.print(`node ${config.name} serving clients on ${config.host}:${config.clientPort}, peers on ${config.host}:${config.peerPort}`);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    for (const [requestId, resolve] of this.pending) {
      this.pending.delete(requestId);
      resolve(errorReply(`UNKNOWN node ${this.config.name} is shutting down before the request was settled; it may still take effect`));
    }
    await this.server.close();
    await this.link.close();
    await this.log.close();
    this.print(`node ${this.config.name} stopped`);
  }

  handle(name: string, args: readonly string[]): Promise<Reply> {
    if (this.stopped) return Promise.resolve(errorReply(`NOTREADY node ${this.config.name} is shutting down; nothing was started`));
    const requestId = ++this.requestCounter;
    // Registered first: the core may answer while the command is being started.
    const answered = new Promise<Reply>((resolve) => this.pending.set(requestId, resolve));
    let started: number | Reply;
    try {
      started = this.behaviour.command(this.core, name, args, requestId);
    } catch (error) {
      this.fatal(error instanceof Error ? error : new Error(String(error)));
      return Promise.resolve(errorReply(`UNKNOWN node ${this.config.name} failed while starting the request`));
    }
    this.flush();
    if (typeof started !== "number") {
      this.pending.delete(requestId);
      return Promise.resolve(started);
    }
    return answered;
  }

  info(): string {
    const log = this.log.stats();
    return [
      "# Server",
      `faultline_node:${this.config.name}`,
      `process_id:${process.pid}`,
      `# ${this.behaviour.system}`,
      `node:${this.config.name}`,
      ...this.behaviour.info(this.core),
      `wal_syncs:${log.syncs}`,
      `wal_segments:${log.segments}`,
      `wal_recovery:${this.log.recovery.outcome}: ${this.log.recovery.detail}`,
      "",
    ].join("\r\n");
  }

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
      this.log.compact(this.core.snapshot()).then(
        () => this.print(`snapshot after ${this.log.stats().position} records; log compacted`),
        (error: unknown) => this.fatal(error instanceof Error ? error : new Error(String(error))),
      );
    }
  }

  private release(ready: ReadyOf<Message, Record, ClientReply>): void {
    for (const line of ready.logs) this.print(line);
    if (this.behaviour.events && this.server.hasSubscribers(EVENTS_CHANNEL)) {
      for (const event of this.behaviour.events(this.core, ready)) this.server.publish(EVENTS_CHANNEL, encodeEvent(event));
    }
    this.log.append(ready.records).then(
      () => {
        if (this.stopped) return;
        for (const message of ready.messages) this.link.send(message);
        for (const reply of ready.replies) {
          const requestId = this.behaviour.requestIdOf(reply);
          const resolve = this.pending.get(requestId);
          if (!resolve) continue;
          this.pending.delete(requestId);
          resolve(this.behaviour.answer(reply));
        }
      },
      (error: unknown) => this.fatal(error instanceof Error ? error : new Error(String(error))),
    );
  }
}
