// The harness's side of a node's clock control file (clock.ts for our nodes' side; libfaketime reads
// the same text in a preloaded real server): written on the node's machine through the runtime, so
// the same code moves a clock on the host (local) and in a container (docker). Replaced by rename,
// so a reader never sees half a line.

import type { Runtime } from "../runtime/runtime.ts";
import { formatOffset } from "./clock.ts";

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Makes `node`'s clock read `offsetMs` from real time by rewriting the control file at `path`. */
export async function writeOffsetFile(runtime: Pick<Runtime, "exec">, node: string, path: string, offsetMs: number): Promise<void> {
  const temporary = `${path}.next`;
  const script = `printf '%s\\n' ${quote(formatOffset(offsetMs))} > ${quote(temporary)} && mv -f -- ${quote(temporary)} ${quote(path)}`;
  const result = await runtime.exec(node, "sh", ["-c", script]);
  if (result.exitCode !== 0) throw new Error(`clock on ${node}: writing ${path} failed (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim()}; is the node's data directory there?`);
}

/** Puts `node`'s clock right by removing its control file (no file: no offset). */
export async function removeOffsetFile(runtime: Pick<Runtime, "exec">, node: string, path: string): Promise<void> {
  const result = await runtime.exec(node, "sh", ["-c", `rm -f -- ${quote(path)} ${quote(`${path}.next`)}`]);
  if (result.exitCode !== 0) throw new Error(`clock on ${node}: removing ${path} failed (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim()}`);
}

/** The node's clock offset in ms from a reading of its own wall clock: `nodeMs` read between the
 *  harness's `sentMs` and `receivedMs`, taken to be read half-way. */
export function offsetFromReading(nodeMs: number, sentMs: number, receivedMs: number): number {
  return Math.round((nodeMs - (sentMs + receivedMs) / 2) * 10) / 10;
}
