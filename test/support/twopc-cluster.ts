// A scripted cluster of two/three-phase commit cores (clusters/twopc/core/), for scenario tests:
// every node's log is durable the moment a Ready is taken, messages wait in one queue until the
// script delivers them (all, or only some links), and nodes crash and restart from their logs.
// Scenarios read as stories: "n1 begins a transfer, n2 votes, n1 crashes, n3 stays blocked".

import { TwoPcCore } from "../../clusters/twopc/core/core.ts";
import { DEFAULT_TIMING, type ClientReply, type CoreConfig, type LogRecord, type PeerMessage, type Protocol, type TxnId, type TxnOp } from "../../clusters/twopc/core/types.ts";

export class TwoPcCluster {
  readonly cores = new Map<string, TwoPcCore | undefined>();
  readonly logs = new Map<string, LogRecord[]>();
  /** In flight, in send order. */
  queue: PeerMessage[] = [];
  readonly replies: (ClientReply & { node: string })[] = [];
  readonly lines: string[] = [];
  /** Directed links that drop what is sent on them: "n1>n3". */
  readonly cut = new Set<string>();
  private requestCounter = 0;

  constructor(
    readonly nodes: readonly string[],
    readonly protocol: Protocol,
    private readonly timing: Partial<CoreConfig> = {},
  ) {
    for (const node of nodes) {
      this.logs.set(node, []);
      this.cores.set(node, new TwoPcCore(this.config(node)));
      this.collect(node);
    }
  }

  private config(node: string): CoreConfig {
    return { ...DEFAULT_TIMING, ...this.timing, self: node, nodes: this.nodes, protocol: this.protocol };
  }

  core(node: string): TwoPcCore {
    const core = this.cores.get(node);
    if (!core) throw new Error(`${node} is down`);
    return core;
  }

  /** Each request's transaction id, as its coordinator named it. */
  readonly txns = new Map<number, TxnId>();

  /** Starts a client transaction on `node`; returns its request id. */
  begin(node: string, ops: TxnOp[], timestamp = this.requestCounter + 1): number {
    const requestId = ++this.requestCounter;
    this.txns.set(requestId, this.core(node).begin(requestId, ops, timestamp));
    this.collect(node);
    return requestId;
  }

  reply(requestId: number): ClientReply | undefined {
    return this.replies.find((reply) => reply.requestId === requestId);
  }

  /** Delivers queued messages (those `filter` accepts, default all) until none are left. */
  deliverAll(filter: (message: PeerMessage) => boolean = () => true, maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      const index = this.queue.findIndex(filter);
      if (index < 0) return;
      const [message] = this.queue.splice(index, 1);
      this.deliver(message);
    }
    throw new Error(`messages still flowing after ${maxRounds} deliveries`);
  }

  private deliver(message: PeerMessage): void {
    const core = this.cores.get(message.to);
    if (!core || this.cut.has(`${message.from}>${message.to}`)) return;
    core.step(message);
    this.collect(message.to);
  }

  /** `count` ticks on every live node, delivering everything after each. */
  tick(count = 1, deliver = true): void {
    for (let i = 0; i < count; i++) {
      for (const node of this.nodes) {
        const core = this.cores.get(node);
        if (!core) continue;
        core.tick();
        this.collect(node);
      }
      if (deliver) this.deliverAll();
    }
  }

  crash(node: string): void {
    this.cores.set(node, undefined);
    this.queue = this.queue.filter((message) => message.to !== node && message.from !== node);
  }

  restart(node: string): void {
    this.cores.set(node, new TwoPcCore(this.config(node), { records: this.logs.get(node) ?? [] }));
    this.collect(node);
  }

  /** Cuts both directions between the two groups. */
  partition(left: readonly string[], right: readonly string[]): void {
    for (const a of left) for (const b of right) {
      this.cut.add(`${a}>${b}`);
      this.cut.add(`${b}>${a}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Sum of `keys` over their owners' stores. */
  total(keys: readonly string[], ownerOf: (key: string) => string): number {
    return keys.reduce((sum, key) => sum + (this.core(ownerOf(key)).valueOf(key) ?? 0), 0);
  }

  private collect(node: string): void {
    const core = this.cores.get(node);
    if (!core) return;
    while (core.hasReady()) {
      const ready = core.ready();
      this.logs.get(node)?.push(...ready.records);
      for (const message of ready.messages) {
        if (!this.cut.has(`${message.from}>${message.to}`)) this.queue.push(message);
      }
      for (const reply of ready.replies) this.replies.push({ ...reply, node });
      for (const line of ready.logs) this.lines.push(`${node}: ${line}`);
    }
  }
}
