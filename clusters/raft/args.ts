// Command-line arguments of a Raft node (main.ts), validated into a NodeConfig.

import { parseArgs } from "node:util";
import { isRaftBug, RAFT_BUGS } from "./bugs.ts";
import type { NodeConfig } from "./node.ts";

export const USAGE = `usage: main.ts --name NAME --client-port P --peer-port Q --data-dir DIR
         [--peers NAME=HOST:PORT,…] [--client-addresses NAME=HOST:PORT,…] [--host 127.0.0.1]
         [--storage fsync|power-loss] [--bug NAME]… [--tick-ms 10] [--election-ticks 10]
         [--heartbeat-ticks 1] [--snapshot-every 10000] [--request-timeout-ms 10000] [--seed N]
         [--max-entries-per-message 64] [--max-inflight 64]
bugs: ${RAFT_BUGS.map((bug) => bug.name).join(", ")}`;

export function parseNodeArguments(argv: readonly string[]): NodeConfig {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      name: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      "client-port": { type: "string" },
      "peer-port": { type: "string" },
      peers: { type: "string", default: "" },
      "client-addresses": { type: "string", default: "" },
      "data-dir": { type: "string" },
      storage: { type: "string", default: "fsync" },
      bug: { type: "string", multiple: true, default: [] },
      "tick-ms": { type: "string", default: "10" },
      "election-ticks": { type: "string", default: "10" },
      "heartbeat-ticks": { type: "string", default: "1" },
      "snapshot-every": { type: "string", default: "10000" },
      "request-timeout-ms": { type: "string", default: "10000" },
      "max-entries-per-message": { type: "string", default: "64" },
      "max-inflight": { type: "string", default: "64" },
      seed: { type: "string" },
    },
  });
  const required = (flag: string, value: string | undefined): string => {
    if (!value) throw new Error(`missing --${flag}\n${USAGE}`);
    return value;
  };
  const name = required("name", values.name);
  const storage = values.storage;
  if (storage !== "fsync" && storage !== "power-loss") throw new Error(`--storage must be fsync or power-loss, got '${storage}'\n${USAGE}`);
  const bugs = values.bug ?? [];
  for (const bug of bugs) if (!isRaftBug(bug)) throw new Error(`unknown --bug '${bug}'; known bugs: ${RAFT_BUGS.map((b) => b.name).join(", ")}`);

  const peers = parseAddressList("peers", values.peers ?? "").map(([peerName, address]) => ({ name: peerName, ...address }));
  if (peers.some((peer) => peer.name === name)) throw new Error(`--peers names this node (${name}) itself; list only the other nodes`);
  const clientAddresses = Object.fromEntries(parseAddressList("client-addresses", values["client-addresses"] ?? "").map(([node, a]) => [node, `${a.host}:${a.port}`]));

  const electionTicks = positiveInteger("election-ticks", values["election-ticks"]);
  const heartbeatTicks = positiveInteger("heartbeat-ticks", values["heartbeat-ticks"]);
  if (heartbeatTicks >= electionTicks) throw new Error(`--heartbeat-ticks (${heartbeatTicks}) must be below --election-ticks (${electionTicks})`);
  return {
    name,
    host: values.host ?? "127.0.0.1",
    clientPort: port("client-port", required("client-port", values["client-port"])),
    peerPort: port("peer-port", required("peer-port", values["peer-port"])),
    peers,
    clientAddresses,
    dataDir: required("data-dir", values["data-dir"]),
    storage,
    bugs: bugs.filter(isRaftBug),
    tickMs: positiveInteger("tick-ms", values["tick-ms"]),
    electionTicks,
    heartbeatTicks,
    snapshotEvery: positiveInteger("snapshot-every", values["snapshot-every"]),
    requestTimeoutMs: positiveInteger("request-timeout-ms", values["request-timeout-ms"]),
    maxEntriesPerMessage: positiveInteger("max-entries-per-message", values["max-entries-per-message"]),
    maxInflight: positiveInteger("max-inflight", values["max-inflight"]),
    seed: values.seed === undefined ? undefined : nonNegativeInteger("seed", values.seed),
  };
}

/** "n2=127.0.0.1:7002,n3=127.0.0.1:7003" → [["n2", {host, port}], …] */
function parseAddressList(flag: string, text: string): [string, { host: string; port: number }][] {
  if (text.trim() === "") return [];
  return text.split(",").map((item) => {
    const match = /^([^=\s]+)=([^:\s]+):(\d+)$/.exec(item.trim());
    if (!match) throw new Error(`--${flag}: '${item}' is not NAME=HOST:PORT`);
    return [match[1], { host: match[2], port: port(flag, match[3]) }];
  });
}

function port(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`--${flag}: '${text}' is not a TCP port (1-65535)`);
  return value;
}

function positiveInteger(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${flag}: '${text}' is not a positive integer`);
  return value;
}

function nonNegativeInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${flag}: '${text}' is not a non-negative integer`);
  return value;
}
