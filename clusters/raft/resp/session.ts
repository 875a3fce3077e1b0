// One client connection's state: MULTI queueing, WATCHed key versions, its name. Requests are
// handled one at a time, in arrival order, so a pipelined SET then GET behaves as if sent apart.

import { isReadCommand, type KvCommand } from "../kv/command.ts";
import { parseRequest } from "./commands.ts";
import { array, bulk, errorReply, NULL_BULK, OK, simple, type Reply } from "./reply.ts";

/** What the node offers the client protocol. Every failure comes back as an error reply whose code
 *  says whether the command definitely did not happen (REDIRECT, NOLEADER, ABORTED, ERR …) or
 *  may have (UNKNOWN). */
export interface KvBackend {
  /** Replicates a write (or a MULTI transaction) through the log and returns its result. */
  write(command: KvCommand): Promise<Reply>;
  /** A linearizable read (or a stale one under the stale-read bug). */
  read(command: KvCommand): Promise<Reply>;
  /** The key's version (index of its last modification) as this node has applied it. */
  version(key: string): number;
  /** INFO text. */
  info(): string;
  /** Wall time in ms as this node's clock reads it (SET's EX/PX, TIME). */
  now(): number;
  /** One server in or out of the configuration; answers once the change is committed. */
  changeMembership(change: "add" | "remove", node: string): Promise<Reply>;
}

export interface SessionResult {
  reply: Reply;
  /** SUBSCRIBE: the connection now also receives what is published on these channels (the reply
   *  confirms the first; the server writes one confirmation per channel, as Redis does). */
  subscribe?: string[];
  /** Close the connection after writing the reply (QUIT). */
  close?: boolean;
}

export class Session {
  private queued: KvCommand[] | undefined;
  /** A queued command was refused: EXEC must discard the transaction (Redis's EXECABORT). */
  private transactionBroken = false;
  private readonly watches = new Map<string, number>();
  private name: string | null = null;

  constructor(private readonly backend: KvBackend) {}

  async handle(args: readonly string[]): Promise<SessionResult> {
    const request = parseRequest(args, this.backend.now());
    if (this.queued && !["exec", "discard", "multi", "watch", "quit"].includes(request.kind)) {
      if (request.kind === "kv") {
        this.queued.push(request.command);
        return { reply: simple("QUEUED") };
      }
      this.transactionBroken = true;
      if (request.kind === "error") return { reply: request.reply };
      return { reply: errorReply(`ERR ${args[0].slice(0, 64)} cannot be queued in MULTI on this server; only key-value commands can`) };
    }

    switch (request.kind) {
      case "kv":
        return { reply: await (isReadCommand(request.command) ? this.backend.read(request.command) : this.backend.write(request.command)) };
      case "multi":
        if (this.queued) return { reply: errorReply("ERR MULTI calls can not be nested") };
        this.queued = [];
        this.transactionBroken = false;
        return { reply: OK };
      case "exec":
        return { reply: await this.exec() };
      case "discard":
        if (!this.queued) return { reply: errorReply("ERR DISCARD without MULTI") };
        this.endTransaction();
        return { reply: OK };
      case "watch":
        if (this.queued) return { reply: errorReply("ERR WATCH inside MULTI is not allowed") };
        for (const key of request.keys) if (!this.watches.has(key)) this.watches.set(key, this.backend.version(key));
        return { reply: OK };
      case "unwatch":
        this.watches.clear();
        return { reply: OK };
      case "info":
        return { reply: bulk(this.backend.info()) };
      case "subscribe":
        return { reply: OK, subscribe: request.channels };
      case "member":
        return { reply: await this.backend.changeMembership(request.change, request.node) };
      case "time": {
        // Redis's TIME: unix seconds and the microseconds within them, as two bulk strings.
        const micros = Math.round(this.backend.now() * 1000);
        return { reply: array([bulk(String(Math.floor(micros / 1_000_000))), bulk(String(micros % 1_000_000))]) };
      }
      case "quit":
        return { reply: OK, close: true };
      case "client-setname":
        if (/\s/.test(request.name)) return { reply: errorReply("ERR Client names cannot contain spaces, newlines or special characters.") };
        this.name = request.name === "" ? null : request.name;
        return { reply: OK };
      case "client-getname":
        return { reply: this.name === null ? NULL_BULK : bulk(this.name) };
      case "reply":
      case "error":
        return { reply: request.reply };
    }
  }

  private async exec(): Promise<Reply> {
    const commands = this.queued;
    if (!commands) return errorReply("ERR EXEC without MULTI");
    const broken = this.transactionBroken;
    const watches = [...this.watches].map(([key, version]) => ({ key, version }));
    this.endTransaction();
    if (broken) return errorReply("EXECABORT Transaction discarded because of previous errors.");
    // The whole transaction is one log entry: the state machine checks the watched versions and
    // applies every command at once, or none (null array) if a watched key moved. A transaction of
    // reads only is served as one read, at a single linearizable point.
    const transaction: KvCommand = { op: "multi", commands, watches };
    const reply = await (isReadCommand(transaction) ? this.backend.read(transaction) : this.backend.write(transaction));
    return reply.kind === "array" || reply.kind === "error" ? reply : array([reply]);
  }

  private endTransaction(): void {
    this.queued = undefined;
    this.transactionBroken = false;
    this.watches.clear();
  }
}
