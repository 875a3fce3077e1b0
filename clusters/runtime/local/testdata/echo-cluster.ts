// Runs echo-node.ts on a LocalRuntime's nodes and reads back what each node logged, for tests
// that watch the runtime's controls act on real traffic.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ProcessSpec, Runtime } from "../../runtime.ts";

const ECHO_NODE = fileURLToPath(new URL("./echo-node.ts", import.meta.url));
// Absolute, because a node's working directory is its data directory, far from node_modules.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** The command that runs echo-node for `node`, dialling every other node through the runtime. */
export function echoNodeSpec(runtime: Runtime, node: string): ProcessSpec {
  const peers = runtime
    .nodes()
    .filter((other) => other.name !== node)
    .flatMap((other) => {
      const { host, port } = runtime.peerAddress(node, other.name);
      return ["--peer", `${other.name}=${host}:${port}`];
    });
  return {
    command: process.execPath,
    args: ["--import", TSX_LOADER, ECHO_NODE, "--name", node, "--listen", String(runtime.node(node).peerPort), ...peers],
  };
}

export interface Heard {
  kind: "ping" | "pong";
  from: string;
  seq: number;
  latencyMs: number;
}

/** A node's stdout.log, read from a byte offset on so that a test can look at one time window. */
export class NodeLog {
  private readonly path: string;

  constructor(runtime: Runtime, node: string) {
    this.path = join(runtime.node(node).dataDir, "stdout.log");
  }

  /** Current end of the log; pass it to heardSince() to see only what comes after. */
  mark(): number {
    try {
      return readFileSync(this.path).length;
    } catch {
      return 0;
    }
  }

  linesSince(offset: number): string[] {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path);
    } catch {
      return [];
    }
    const text = bytes.subarray(offset).toString();
    // A line still being written has no newline yet; leave it for the next read.
    return text.split("\n").slice(0, -1);
  }

  heardSince(offset: number): Heard[] {
    const heard: Heard[] = [];
    for (const line of this.linesSince(offset)) {
      const match = /^(ping|pong) from=(\S+) seq=(\d+) latencyMs=(-?\d+)$/.exec(line);
      if (match) heard.push({ kind: match[1] as Heard["kind"], from: match[2], seq: Number(match[3]), latencyMs: Number(match[4]) });
    }
    return heard;
  }
}
