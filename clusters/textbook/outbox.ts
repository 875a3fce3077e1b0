// What the roles of one textbook protocol node produce while handling an input, gathered into the
// next Ready: records to make durable, then messages and client replies that may leave only once
// they are, and lines for the node's log. A message to the node itself is handed back to its core
// at once instead of leaving: the node's roles share its log, so anything one of them logs is
// durable no later than whatever another logs after it. Pure: the cores use it.

export interface ReadyOf<Message, Record, Reply> {
  records: Record[];
  messages: Message[];
  replies: Reply[];
  logs: string[];
}

export class Outbox<Message extends { to: string }, Record, Reply> {
  private records: Record[] = [];
  private messages: Message[] = [];
  private replies: Reply[] = [];
  private logs: string[] = [];
  /** Messages to this node itself, not yet handled. */
  readonly local: Message[] = [];

  constructor(private readonly self: string) {}

  record(record: Record): void {
    this.records.push(record);
  }

  send(message: Message): void {
    if (message.to === this.self) this.local.push(message);
    else this.messages.push(message);
  }

  reply(reply: Reply): void {
    this.replies.push(reply);
  }

  log(line: string): void {
    this.logs.push(line);
  }

  get pending(): boolean {
    return this.records.length + this.messages.length + this.replies.length + this.logs.length > 0;
  }

  /** Everything gathered since the last take. */
  take(): ReadyOf<Message, Record, Reply> {
    const ready = { records: this.records, messages: this.messages, replies: this.replies, logs: this.logs };
    this.records = [];
    this.messages = [];
    this.replies = [];
    this.logs = [];
    return ready;
  }
}
