// Command-line arguments of a ZAB server (main.ts), validated into a ZabNodeConfig.

import { parseArgs } from "node:util";
import { isZabBug, ZAB_BUGS } from "./bugs.ts";
import type { ZabNodeConfig } from "./node.ts";

export const USAGE = `usage: main.ts --name NAME --client-port P --peer-port Q --data-dir DIR
         [--peers NAME=HOST:PORT,…] [--observers NAME,…] [--host 127.0.0.1]
         [--storage fsync|power-loss] [--fsync-in pool|event-loop] [--bug NAME]… [--tick-ms 10] [--sync-limit-ticks 20]
         [--init-limit-ticks 50] [--snap-count 10000] [--min-session-timeout-ms 1000]
         [--max-session-timeout-ms 40000] [--seed N]
bugs: ${ZAB_BUGS.map((bug) => bug.name).join(", ")}`;

export function parseServerArguments(argv: readonly string[]): ZabNodeConfig {
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
      observers: { type: "string", default: "" },
      "data-dir": { type: "string" },
      storage: { type: "string", default: "fsync" },
      "fsync-in": { type: "string", default: "pool" },
      bug: { type: "string", multiple: true, default: [] },
      "tick-ms": { type: "string", default: "10" },
      "sync-limit-ticks": { type: "string", default: "20" },
      "init-limit-ticks": { type: "string", default: "50" },
      "snap-count": { type: "string", default: "10000" },
      "min-session-timeout-ms": { type: "string", default: "1000" },
      "max-session-timeout-ms": { type: "string", default: "40000" },
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
  const fsyncIn = values["fsync-in"];
  if (fsyncIn !== "pool" && fsyncIn !== "event-loop") throw new Error(`--fsync-in must be pool or event-loop, got '${fsyncIn}'\n${USAGE}`);
  const bugs = values.bug ?? [];
  for (const bug of bugs) if (!isZabBug(bug)) throw new Error(`unknown --bug '${bug}'; known bugs: ${ZAB_BUGS.map((b) => b.name).join(", ")}`);
  const peers = parseAddressList("peers", values.peers ?? "");
  if (peers.some((peer) => peer.name === name)) throw new Error(`--peers names this server (${name}) itself; list only the other servers`);
  const members = new Set([name, ...peers.map((peer) => peer.name)]);
  const observers = (values.observers ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
  for (const observer of observers) if (!members.has(observer)) throw new Error(`--observers names ${observer}, which is neither this server nor one of --peers`);
  if (observers.length >= members.size) throw new Error("--observers names every server; an ensemble needs voters");
  const syncLimitTicks = positiveInteger("sync-limit-ticks", values["sync-limit-ticks"]);
  if (syncLimitTicks < 2) throw new Error(`--sync-limit-ticks must be at least 2 (the leader pings every tick), got ${syncLimitTicks}`);
  const minSessionTimeoutMs = positiveInteger("min-session-timeout-ms", values["min-session-timeout-ms"]);
  const maxSessionTimeoutMs = positiveInteger("max-session-timeout-ms", values["max-session-timeout-ms"]);
  if (maxSessionTimeoutMs < minSessionTimeoutMs) throw new Error(`--max-session-timeout-ms (${maxSessionTimeoutMs}) is below --min-session-timeout-ms (${minSessionTimeoutMs})`);
  return {
    name,
    host: values.host ?? "127.0.0.1",
    clientPort: port("client-port", required("client-port", values["client-port"])),
    peerPort: port("peer-port", required("peer-port", values["peer-port"])),
    peers,
    observers,
    dataDir: required("data-dir", values["data-dir"]),
    storage,
    fsyncIn,
    bugs: bugs.filter(isZabBug),
    tickMs: positiveInteger("tick-ms", values["tick-ms"]),
    syncLimitTicks,
    initLimitTicks: positiveInteger("init-limit-ticks", values["init-limit-ticks"]),
    snapCount: positiveInteger("snap-count", values["snap-count"]),
    minSessionTimeoutMs,
    maxSessionTimeoutMs,
    seed: values.seed === undefined ? undefined : nonNegativeInteger("seed", values.seed),
  };
}

/** "n2=127.0.0.1:7002,n3=127.0.0.1:7003" → [{name, host, port}, …] */
function parseAddressList(flag: string, text: string): { name: string; host: string; port: number }[] {
  if (text.trim() === "") return [];
  return text.split(",").map((item) => {
    const match = /^([^=\s]+)=([^:\s]+):(\d+)$/.exec(item.trim());
    if (!match) throw new Error(`--${flag}: '${item}' is not NAME=HOST:PORT`);
    return { name: match[1], host: match[2], port: port(flag, match[3]) };
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
