// What the roles of one node produce while handling an input, gathered into the next Ready
// (types.ts). A message to the node itself is handed back to the core at once instead of leaving:
// the node's own participant and coordinator share its log, so anything one of them logs is
// durable no later than whatever the other logs after it.

import type { ClientReply, LogRecord, PeerMessage, Ready } from "./types.ts";

export class Outbox {
  private records: LogRecord[] = [];
  private messages: PeerMessage[] = [];
  private replies: ClientReply[] = [];
  private logs: string[] = [];
  /** Messages to this node itself, not yet handled. */
  readonly local: PeerMessage[] = [];

  constructor(private readonly self: string) {}

  record(record: LogRecord): void {
    this.records.push(record);
  }

  send(message: PeerMessage): void {
    if (message.to === this.self) this.local.push(message);
    else this.messages.push(message);
  }

  reply(reply: ClientReply): void {
    this.replies.push(reply);
  }

  log(line: string): void {
    this.logs.push(line);
  }

  get pending(): boolean {
    return this.records.length + this.messages.length + this.replies.length + this.logs.length > 0;
  }

  /** Everything gathered since the last take. */
  take(): Ready {
    const ready: Ready = { records: this.records, messages: this.messages, replies: this.replies, logs: this.logs };
    this.records = [];
    this.messages = [];
    this.replies = [];
    this.logs = [];
    return ready;
  }
}
