// Checks a peer message decoded from JSON (clusters/textbook/peer-link.ts) against the core's
// message types, so that a frame from anything else is dropped with a reason instead of reaching
// the core with missing fields.

import type { PeerMessage, TxnOp, VoteBody } from "./core/types.ts";

const TYPES = new Set<PeerMessage["type"]>(["prepare", "canCommit", "preCommit", "vote", "commit", "abort", "done", "inquire"]);
const PHASES = new Set(["prepare", "canCommit", "preCommit"]);

export function validatePeerMessage(value: unknown): PeerMessage {
  const message = record(value, "message");
  const type = message.type;
  if (typeof type !== "string" || !TYPES.has(type as PeerMessage["type"])) throw new Error(`unknown message type ${JSON.stringify(type)}`);
  for (const field of ["from", "to", "txn"]) if (typeof message[field] !== "string" || message[field] === "") throw new Error(`${type} has no ${field}`);
  switch (type) {
    case "prepare":
    case "canCommit":
    case "preCommit":
      if (!Array.isArray(message.ops) || message.ops.length === 0) throw new Error(`${type} carries no ops`);
      message.ops.forEach((op, i) => checkOp(op, `${type} op ${i}`));
      if (typeof message.timestamp !== "number" || !Number.isFinite(message.timestamp)) throw new Error(`${type} has no timestamp`);
      break;
    case "vote": {
      if (typeof message.phase !== "string" || !PHASES.has(message.phase)) throw new Error(`vote for unknown phase ${JSON.stringify(message.phase)}`);
      const vote = record(message.vote, "vote body") as Partial<VoteBody>;
      if (typeof vote.yes !== "boolean") throw new Error("vote body has no yes");
      if (vote.retry !== undefined && typeof vote.retry !== "boolean") throw new Error("vote body's retry is not a boolean");
      if (vote.refused !== undefined && typeof vote.refused !== "boolean") throw new Error("vote body's refused is not a boolean");
      if (vote.reason !== undefined && typeof vote.reason !== "string") throw new Error("vote body's reason is not text");
      if (vote.values !== undefined) {
        for (const [key, entry] of Object.entries(record(vote.values, "vote values"))) {
          if (entry !== null && (typeof entry !== "number" || !Number.isFinite(entry))) throw new Error(`vote value of ${key} is ${JSON.stringify(entry)}, not a number or null`);
        }
      }
      break;
    }
    default:
      break;
  }
  // Every field the core reads was checked above.
  return message as unknown as PeerMessage;
}

function checkOp(value: unknown, what: string): asserts value is TxnOp {
  const op = record(value, what);
  if (typeof op.key !== "string" || op.key === "") throw new Error(`${what} has no key`);
  const number = (field: string) => {
    if (typeof op[field] !== "number" || !Number.isSafeInteger(op[field])) throw new Error(`${what} (${String(op.kind)}) has no integer ${field}`);
  };
  switch (op.kind) {
    case "get":
      return;
    case "setnx":
      return number("value");
    case "add":
      return number("delta");
    case "sub":
      return number("amount");
    default:
      throw new Error(`${what} has unknown kind ${JSON.stringify(op.kind)}`);
  }
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value as Record<string, unknown>;
}
