// Command-line arguments every textbook protocol node takes (twopc, quorum), validated into a
// config; each node adds its own flags, parsed from the same argv.

import { parseArgs, type ParseArgsConfig } from "node:util";
import type { PeerAddress } from "../raft/transport.ts";
import type { StorageMode } from "../raft/storage/wal.ts";

export interface CommonNodeConfig {
  name: string;
  /** Address both servers listen on. */
  host: string;
  clientPort: number;
  peerPort: number;
  /** Every node of the cluster, in order (the order places keys). */
  nodes: string[];
  /** Where to dial each other node (through the fault proxy on the local runtime). */
  peers: PeerAddress[];
  dataDir: string;
  storage: StorageMode;
  tickMs: number;
  /** Records logged between snapshots. */
  snapshotEvery: number;
}

export const COMMON_USAGE = `--name NAME --client-port P --peer-port Q --data-dir DIR --nodes n1,n2,…
         [--peers NAME=HOST:PORT,…] [--host 127.0.0.1] [--storage fsync|power-loss]
         [--tick-ms 10] [--snapshot-every 10000]`;

type Options = NonNullable<ParseArgsConfig["options"]>;

const COMMON_OPTIONS = {
  name: { type: "string" },
  host: { type: "string", default: "127.0.0.1" },
  "client-port": { type: "string" },
  "peer-port": { type: "string" },
  nodes: { type: "string" },
  peers: { type: "string", default: "" },
  "data-dir": { type: "string" },
  storage: { type: "string", default: "fsync" },
  "tick-ms": { type: "string", default: "10" },
  "snapshot-every": { type: "string", default: "10000" },
} satisfies Options;

/** Parses the common flags and the node's own (`extra`); throws with `usage` on bad input. */
export function parseNodeArgs(argv: readonly string[], extra: Options, usage: string): { common: CommonNodeConfig; values: Record<string, string | boolean | (string | boolean)[] | undefined> } {
  const parsed = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { ...COMMON_OPTIONS, ...extra } });
  const values: Record<string, string | boolean | (string | boolean)[] | undefined> = parsed.values;
  const text = (flag: string): string | undefined => {
    const value = values[flag];
    return typeof value === "string" ? value : undefined;
  };
  const required = (flag: string): string => {
    const value = text(flag);
    if (!value) throw new Error(`missing --${flag}\n${usage}`);
    return value;
  };
  const name = required("name");
  const nodes = required("nodes").split(",").map((node) => node.trim()).filter((node) => node !== "");
  if (!nodes.includes(name)) throw new Error(`--nodes ${nodes.join(",")} does not name this node (${name})\n${usage}`);
  const storage = text("storage") ?? "fsync";
  if (storage !== "fsync" && storage !== "power-loss") throw new Error(`--storage must be fsync or power-loss, got '${storage}'\n${usage}`);
  const peers = parseAddressList(text("peers") ?? "");
  for (const peer of peers) if (!nodes.includes(peer.name) || peer.name === name) throw new Error(`--peers names ${peer.name}, which is not another node of --nodes ${nodes.join(",")}`);
  return {
    common: {
      name,
      host: text("host") ?? "127.0.0.1",
      clientPort: port("client-port", required("client-port")),
      peerPort: port("peer-port", required("peer-port")),
      nodes,
      peers,
      dataDir: required("data-dir"),
      storage,
      tickMs: positiveInteger("tick-ms", text("tick-ms")),
      snapshotEvery: positiveInteger("snapshot-every", text("snapshot-every")),
    },
    values,
  };
}

/** "n2=127.0.0.1:7002,n3=127.0.0.1:7003" → addresses. */
function parseAddressList(text: string): PeerAddress[] {
  if (text.trim() === "") return [];
  return text.split(",").map((item) => {
    const match = /^([^=\s]+)=([^:\s]+):(\d+)$/.exec(item.trim());
    if (!match) throw new Error(`--peers: '${item}' is not NAME=HOST:PORT`);
    return { name: match[1], host: match[2], port: port("peers", match[3]) };
  });
}

function port(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`--${flag}: '${text}' is not a TCP port (1-65535)`);
  return value;
}

export function positiveInteger(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${flag}: '${text}' is not a positive integer`);
  return value;
}
