// A quorum node: the quorum core (core/core.ts) in the textbook nodes' shell
// (clusters/textbook/node-shell.ts), which makes every Ready's records durable before its replies
// and acknowledgements leave. Clients send GET key and SET key value; this node coordinates them:
//   GET key          the value (nil when no replica has it), or -NOQUORUM why
//   SET key value    OK, -NOQUORUM why (nothing was written) or -UNKNOWN why (some replicas keep it)
// Values are integers (the register workload's).

import { bulk, errorReply, OK } from "../raft/resp/reply.ts";
import type { CommonNodeConfig } from "../textbook/node-args.ts";
import { TextbookNode, type NodeBehaviour } from "../textbook/node-shell.ts";
import { QuorumCore } from "./core/core.ts";
import type { ClientReply, LogRecord, PeerMessage, Versioned } from "./core/types.ts";
import { validatePeerMessage } from "./wire.ts";

export interface QuorumNodeConfig extends CommonNodeConfig {
  n: number;
  w: number;
  r: number;
  readRepair: boolean;
  writeBack: boolean;
  timeoutTicks: number;
}

type Snapshot = [string, Versioned][];

function behaviour(config: QuorumNodeConfig): NodeBehaviour<QuorumCore, PeerMessage, ClientReply, Snapshot, LogRecord> {
  /** Whether each request is a SET: its success is OK, a GET's the value. */
  const writes = new Set<number>();
  return {
    system: "Quorum",
    makeCore: (recovered) =>
      new QuorumCore(
        // This process's start time and pid make its operation ids unique across restarts.
        { self: config.name, nodes: config.nodes, n: config.n, w: config.w, r: config.r, readRepair: config.readRepair, writeBack: config.writeBack, timeoutTicks: config.timeoutTicks, opPrefix: `${config.name}.${process.pid}.${Date.now()}` },
        { snapshot: recovered.snapshot, records: recovered.records },
      ),
    validate: validatePeerMessage,
    command(core, name, args, requestId) {
      const [key, value] = args;
      if (name === "GET") {
        if (args.length !== 1 || key === "") return errorReply("ERR GET takes one key");
        core.read(requestId, key);
        return requestId;
      }
      if (name === "SET") {
        if (args.length !== 2 || key === "") return errorReply("ERR SET takes a key and an integer value");
        const number = /^-?\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
        if (!Number.isSafeInteger(number)) return errorReply(`ERR SET ${key}: the value must be an integer, got '${value}'`);
        writes.add(requestId);
        core.write(requestId, key, number);
        return requestId;
      }
      return errorReply(`ERR unknown command '${name}'; a quorum node takes GET, SET, PING, INFO and QUIT`);
    },
    requestIdOf: (reply) => reply.requestId,
    answer(reply) {
      const wasWrite = writes.delete(reply.requestId);
      if (!reply.ok) return errorReply(`${reply.code} ${reply.reason}`);
      if (wasWrite) return OK;
      return bulk(reply.value === null ? null : String(reply.value));
    },
    info(core) {
      const status = core.status();
      return [
        `n:${config.n}`,
        `w:${config.w}`,
        `r:${config.r}`,
        `read_repair:${config.readRepair}`,
        `write_back:${config.writeBack}`,
        `keys:${status.keys}`,
        `coordinating:${status.coordinating}`,
        `reads:${status.reads}`,
        `writes:${status.writes}`,
        `read_repairs:${status.repairs}`,
        `write_backs:${status.writeBacks}`,
      ];
    },
    describeStart: (core, recovered) =>
      `n=${config.n} w=${config.w} r=${config.r}, read repair ${config.readRepair ? "on" : "off"}, write-back ${config.writeBack ? "on" : "off"}: ${core.status().keys} keys, ` +
      `${recovered.records.length} records after ${recovered.snapshot ? "a snapshot" : "no snapshot"}`,
  };
}

export function startQuorumNode(config: QuorumNodeConfig, log: (line: string) => void, fatal: (error: Error) => void) {
  return TextbookNode.start(config, behaviour(config), log, fatal);
}
