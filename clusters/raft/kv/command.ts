// The key-value commands the state machine understands, and how a proposed command is encoded in
// a log entry. Keys and values are binary strings (latin1: one char per byte), as the RESP layer
// hands them over.

export type KvCommand =
  | { op: "get"; key: string }
  /** condition nx: only if absent; xx: only if present. expireAtMs: absolute, from the proposer's clock. */
  | { op: "set"; key: string; value: string; condition?: "nx" | "xx"; expireAtMs?: number }
  | { op: "del"; keys: string[] }
  /** Deletes the key only if it holds the string `value` (releasing a lock only its holder may). */
  | { op: "delifeq"; key: string; value: string }
  /** Sets `value` only if the current string value equals `expected`; expected null means "absent". */
  | { op: "cas"; key: string; expected: string | null; value: string }
  | { op: "incrby"; key: string; delta: number }
  | { op: "rpush"; key: string; values: string[] }
  | { op: "lrange"; key: string; start: number; stop: number }
  /** Removes and returns a list's first element; the list is deleted when it becomes empty. */
  | { op: "lpop"; key: string }
  /** MULTI/EXEC: every command applied atomically in one entry, unless a watched key changed
   *  since the version (index of its last modification) recorded at WATCH time. */
  | { op: "multi"; commands: KvCommand[]; watches: { key: string; version: number }[] };

/** The read-only commands, which a linearizable read may serve without a log entry. */
/** A transaction of reads only is a read too: it changes nothing, so it is served the way reads
 *  are (after a ReadIndex round — or, with the stale-read bug, from local state) instead of going
 *  through the log. */
export type ReadCommand = Extract<KvCommand, { op: "get" } | { op: "lrange" } | { op: "multi" }>;

export const isReadCommand = (command: KvCommand): command is ReadCommand =>
  command.op === "get" || command.op === "lrange" || (command.op === "multi" && command.commands.every(isReadCommand));

/** What a log entry carries: the command and the proposing leader's clock, so that every replica
 *  judges expiry against the same time when it applies the entry. */
export interface LogCommand {
  timeMs: number;
  command: KvCommand;
}

export function encodeLogCommand(logCommand: LogCommand): Buffer {
  return Buffer.from(JSON.stringify(logCommand), "utf8");
}

export function decodeLogCommand(data: Uint8Array): LogCommand {
  const text = Buffer.from(data.buffer, data.byteOffset, data.length).toString("utf8");
  const parsed = JSON.parse(text) as LogCommand;
  if (typeof parsed !== "object" || parsed === null || typeof parsed.timeMs !== "number" || typeof parsed.command?.op !== "string") {
    throw new Error(`log entry is not a key-value command: ${text.slice(0, 200)}`);
  }
  return parsed;
}
