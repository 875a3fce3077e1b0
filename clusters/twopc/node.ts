// A twopc node: the commit core (core/core.ts) in the textbook nodes' shell
// (clusters/textbook/node-shell.ts), which makes every Ready's records durable before its votes,
// decisions and replies leave. Clients send TXN commands (commands.ts); this node coordinates them.
// Its log says what happened, so its records are its events for a watching harness: a prepared
// record is a participant about to vote yes (the moment a partition makes 3PC lose atomicity), a
// decided record a coordinator's commit.

import type { EmittedEvent } from "../node-faults/events.ts";
import { array, bulk, errorReply } from "../raft/resp/reply.ts";
import type { CommonNodeConfig } from "../textbook/node-args.ts";
import { TextbookNode, type NodeBehaviour } from "../textbook/node-shell.ts";
import { parseTxn } from "./commands.ts";
import { TwoPcCore, type CoreSnapshot } from "./core/core.ts";
import type { ClientReply, LogRecord, PeerMessage, Protocol, TimingConfig } from "./core/types.ts";
import { validatePeerMessage } from "./wire.ts";

export interface TwoPcNodeConfig extends CommonNodeConfig {
  protocol: Protocol;
  /** The core's timeouts, in ticks of tickMs. */
  timing: Omit<TimingConfig, "tickMs">;
}

function behaviour(config: TwoPcNodeConfig): NodeBehaviour<TwoPcCore, PeerMessage, ClientReply, CoreSnapshot, LogRecord> {
  /** Each request's GET keys, in command order: its answer lists their values. */
  const gets = new Map<number, string[]>();
  return {
    system: "Twopc",
    makeCore: (recovered) => new TwoPcCore({ ...config.timing, tickMs: config.tickMs, self: config.name, nodes: config.nodes, protocol: config.protocol }, recovered),
    validate: validatePeerMessage,
    command(core, name, args, requestId) {
      if (name !== "TXN") return errorReply(`ERR unknown command '${name}'; a twopc node takes TXN, PING, INFO and QUIT`);
      const ops = parseTxn(args);
      if (typeof ops === "string") return errorReply(ops);
      gets.set(requestId, ops.flatMap((op) => (op.kind === "get" ? [op.key] : [])));
      core.begin(requestId, ops, Date.now());
      return requestId;
    },
    requestIdOf: (reply) => reply.requestId,
    answer(reply) {
      const keys = gets.get(reply.requestId) ?? [];
      gets.delete(reply.requestId);
      if (!reply.ok) return errorReply(`${reply.refused ? "REFUSED" : "ABORTED"} ${reply.txn} ${reply.reason}`);
      return array(keys.map((key) => bulk(reply.values[key] === null || reply.values[key] === undefined ? null : String(reply.values[key]))));
    },
    info(core) {
      const status = core.status();
      return [
        `protocol:${status.protocol}`,
        `incarnation:${status.incarnation}`,
        `keys:${status.keys}`,
        `locks_held:${status.locksHeld}`,
        `in_doubt:${status.inDoubt}`,
        `oldest_in_doubt_ms:${status.oldestInDoubtTicks * config.tickMs}`,
        `waiting_for_locks:${status.waiting}`,
        `coordinating:${status.coordinating}`,
        `committed:${status.committed}`,
        `aborted:${status.aborted}`,
        `committed_on_timeout:${status.committedOnTimeout}`,
      ];
    },
    events(core, ready) {
      const term = core.status().incarnation;
      return ready.records.flatMap((record): EmittedEvent[] => {
        if (record.t === "prepared") return [{ kind: "prepared", term, txn: record.txn, peer: record.coordinator, writes: record.ops.some((op) => op.kind !== "get") }];
        if (record.t === "decided") return [{ kind: "decided", term, txn: record.txn }];
        return [];
      });
    },
    describeStart(core, recovered) {
      const status = core.status();
      return (
        `${config.protocol}, incarnation ${status.incarnation}: ${status.keys} keys, ${status.inDoubt} transactions in doubt holding ${status.locksHeld} locks, ` +
        `${recovered.records.length} records after ${recovered.snapshot ? "a snapshot" : "no snapshot"}`
      );
    },
  };
}

export function startTwoPcNode(config: TwoPcNodeConfig, log: (line: string) => void, fatal: (error: Error) => void) {
  return TextbookNode.start(config, behaviour(config), log, fatal);
}
