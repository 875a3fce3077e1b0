// The command set: turns one request's arguments into what the session must do. Validation that
// needs no state (names, arity, syntax, numbers) happens here, so that a malformed request is
// refused before anything is proposed.

import type { KvCommand } from "../kv/command.ts";
import { CAS_ABSENT } from "../kv/state-machine.ts";
import { array, bulk, errorReply, integer, OK, simple, type Reply } from "./reply.ts";

export type ParsedRequest =
  /** A key-value command: GET and LRANGE are reads, everything else a replicated write. */
  | { kind: "kv"; command: KvCommand }
  | { kind: "multi" }
  | { kind: "exec" }
  | { kind: "discard" }
  | { kind: "watch"; keys: string[] }
  | { kind: "unwatch" }
  | { kind: "info" }
  | { kind: "time" }
  /** Redis pub/sub, listen side only: the node publishes its events (clusters/node-faults/events.ts). */
  | { kind: "subscribe"; channels: string[] }
  /** FAULTLINE.MEMBER ADD|REMOVE <node>: one server in or out of the Raft configuration. */
  | { kind: "member"; change: "add" | "remove"; node: string }
  | { kind: "quit" }
  | { kind: "client-setname"; name: string }
  | { kind: "client-getname" }
  /** Answered on the spot without touching the store (PING, ECHO, COMMAND, CONFIG GET, …). */
  | { kind: "reply"; reply: Reply }
  /** Refused: unknown command, wrong arity, syntax. */
  | { kind: "error"; reply: Reply };

/** Commands this server knows, for COMMAND COUNT and for the unknown-command message. */
export const COMMAND_NAMES = [
  "get", "set", "del", "delifeq", "cas", "incr", "incrby", "decr", "decrby", "rpush", "lrange", "lpop",
  "multi", "exec", "discard", "watch", "unwatch",
  "ping", "echo", "info", "time", "subscribe", "faultline.member", "command", "config", "select", "client", "quit",
] as const;

const arityError = (name: string): ParsedRequest => ({ kind: "error", reply: errorReply(`ERR wrong number of arguments for '${name}' command`) });
const syntaxError: ParsedRequest = { kind: "error", reply: errorReply("ERR syntax error") };
const notAnInteger: ParsedRequest = { kind: "error", reply: errorReply("ERR value is not an integer or out of range") };

/** `nowMs` turns SET's relative EX/PX into the absolute expiry the log entry carries. */
export function parseRequest(args: readonly string[], nowMs: number): ParsedRequest {
  const name = args[0].toLowerCase();
  const rest = args.slice(1);
  switch (name) {
    case "get":
      return rest.length === 1 ? kv({ op: "get", key: rest[0] }) : arityError(name);
    case "set":
      return rest.length >= 2 ? parseSet(rest, nowMs) : arityError(name);
    case "del":
      return rest.length >= 1 ? kv({ op: "del", keys: rest }) : arityError(name);
    case "delifeq":
      return rest.length === 2 ? kv({ op: "delifeq", key: rest[0], value: rest[1] }) : arityError(name);
    case "cas":
      if (rest.length !== 3) return arityError(name);
      return kv({ op: "cas", key: rest[0], expected: rest[1] === CAS_ABSENT ? null : rest[1], value: rest[2] });
    case "incr":
    case "decr":
      return rest.length === 1 ? kv({ op: "incrby", key: rest[0], delta: name === "incr" ? 1 : -1 }) : arityError(name);
    case "incrby":
    case "decrby": {
      if (rest.length !== 2) return arityError(name);
      const delta = parseInteger(rest[1]);
      if (delta === undefined) return notAnInteger;
      return kv({ op: "incrby", key: rest[0], delta: name === "incrby" ? delta : -delta });
    }
    case "rpush":
      return rest.length >= 2 ? kv({ op: "rpush", key: rest[0], values: rest.slice(1) }) : arityError(name);
    case "lrange": {
      if (rest.length !== 3) return arityError(name);
      const start = parseInteger(rest[1]);
      const stop = parseInteger(rest[2]);
      if (start === undefined || stop === undefined) return notAnInteger;
      return kv({ op: "lrange", key: rest[0], start, stop });
    }
    case "lpop":
      return rest.length === 1 ? kv({ op: "lpop", key: rest[0] }) : arityError(name);
    case "multi":
    case "exec":
    case "discard":
    case "unwatch":
      return rest.length === 0 ? { kind: name } : arityError(name);
    case "watch":
      return rest.length >= 1 ? { kind: "watch", keys: rest } : arityError(name);
    case "info":
      return { kind: "info" };
    case "time":
      return rest.length === 0 ? { kind: "time" } : arityError(name);
    case "subscribe":
      return rest.length >= 1 ? { kind: "subscribe", channels: [...rest] } : arityError(name);
    case "quit":
      return { kind: "quit" };
    case "ping":
      if (rest.length > 1) return arityError(name);
      return reply(rest.length === 1 ? bulk(rest[0]) : simple("PONG"));
    case "echo":
      return rest.length === 1 ? reply(bulk(rest[0])) : arityError(name);
    case "command":
      // Enough for redis-cli and redis-benchmark: they cope with a server that describes nothing.
      if (rest.length === 0 || ["docs", "info", "list"].includes(rest[0].toLowerCase())) return reply(array([]));
      if (rest[0].toLowerCase() === "count") return reply(integer(COMMAND_NAMES.length));
      return reply(array([]));
    case "config":
      if (rest.length >= 1 && rest[0].toLowerCase() === "get") return reply(array([]));
      return { kind: "error", reply: errorReply(`ERR CONFIG ${rest[0] ?? ""} is not supported by this server; only CONFIG GET (which returns nothing)`) };
    case "select":
      if (rest.length !== 1) return arityError(name);
      return rest[0] === "0" ? reply(OK) : { kind: "error", reply: errorReply("ERR DB index is out of range (this server has only database 0)") };
    case "client":
      return parseClient(rest);
    case "faultline.member": {
      if (rest.length !== 2) return arityError(name);
      const change = rest[0].toLowerCase();
      if (change !== "add" && change !== "remove") return { kind: "error", reply: errorReply(`ERR FAULTLINE.MEMBER takes ADD or REMOVE, got '${rest[0].slice(0, 32)}'`) };
      return { kind: "member", change, node: rest[1] };
    }
    default: {
      const preview = rest.slice(0, 3).map((arg) => `'${arg.slice(0, 64)}'`).join(" ");
      return { kind: "error", reply: errorReply(`ERR unknown command '${args[0].slice(0, 64)}', with args beginning with: ${preview}`) };
    }
  }
}

const kv = (command: KvCommand): ParsedRequest => ({ kind: "kv", command });
const reply = (value: Reply): ParsedRequest => ({ kind: "reply", reply: value });

function parseSet(rest: readonly string[], nowMs: number): ParsedRequest {
  const [key, value, ...options] = rest;
  let condition: "nx" | "xx" | undefined;
  let expireAtMs: number | undefined;
  for (let i = 0; i < options.length; i++) {
    const option = options[i].toLowerCase();
    if (option === "nx" || option === "xx") {
      if (condition) return syntaxError;
      condition = option;
    } else if (option === "ex" || option === "px") {
      if (expireAtMs !== undefined || i + 1 >= options.length) return syntaxError;
      const amount = parseInteger(options[++i]);
      if (amount === undefined) return notAnInteger;
      if (amount <= 0) return { kind: "error", reply: errorReply("ERR invalid expire time in 'set' command") };
      expireAtMs = nowMs + (option === "ex" ? amount * 1000 : amount);
    } else {
      return syntaxError;
    }
  }
  return kv({ op: "set", key, value, condition, expireAtMs });
}

function parseClient(rest: readonly string[]): ParsedRequest {
  const sub = rest[0]?.toLowerCase();
  if (sub === "setname") return rest.length === 2 ? { kind: "client-setname", name: rest[1] } : arityError("client|setname");
  if (sub === "getname") return { kind: "client-getname" };
  // CLIENT SETINFO and friends are sent by newer clients on connect; accepting them is harmless.
  if (sub === "setinfo") return reply(OK);
  return { kind: "error", reply: errorReply(`ERR CLIENT ${rest[0] ?? ""} is not supported by this server; try SETNAME or GETNAME`) };
}

function parseInteger(text: string): number | undefined {
  if (!/^-?\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
