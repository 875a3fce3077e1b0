// Node data in a run directory (DESIGN §6, nodes/<node>/): what each node wrote — WALs, snapshots,
// database files — beside its logs. The data is what one looks at when a run failed; for a run
// that passed it is only weight (a 15 s etcd run preallocates ~190 MB of WAL), so the runner drops
// it and keeps the logs (nodes/<node>/*.log, always).

import { lstatSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RUN_FILES } from "./store.ts";

/** Disk space used under `path`, in bytes, as du counts it (allocated blocks, symlinks not
 *  followed); 0 if it does not exist. */
export function diskUsage(path: string): number {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 0;
  }
  let total = stat.blocks * 512;
  if (stat.isDirectory()) for (const entry of readdirSync(path)) total += diskUsage(join(path, entry));
  return total;
}

export interface NodeDataRemoval {
  /** Paths removed (everything in nodes/<node>/ but its *.log files). */
  removed: string[];
  bytes: number;
}

/** Removes each node's data from `runDir`/nodes/<node>/, keeping the node's top-level *.log files
 *  (what the runtimes collect as logs). Files directly in nodes/ (runtime records) stay too. */
export function removeNodeData(runDir: string): NodeDataRemoval {
  const removal: NodeDataRemoval = { removed: [], bytes: 0 };
  const nodesDir = join(runDir, RUN_FILES.nodes);
  let nodes;
  try {
    nodes = readdirSync(nodesDir, { withFileTypes: true });
  } catch {
    return removal;
  }
  for (const node of nodes) {
    if (!node.isDirectory()) continue;
    const nodeDir = join(nodesDir, node.name);
    for (const entry of readdirSync(nodeDir, { withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith(".log")) continue;
      const path = join(nodeDir, entry.name);
      removal.bytes += diskUsage(path);
      rmSync(path, { recursive: true, force: true });
      removal.removed.push(path);
    }
  }
  return removal;
}

/** 1536 → "1.5 kB"; decimal units, as du -h --si and file managers show. */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
