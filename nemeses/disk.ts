// Disk faults on our own nodes (Jepsen's file corruption, done to a write-ahead log): while a node
// is down, cut its WAL inside a record, flip bits in its tail, or drop what it had not fsynced —
// then start it and observe what it does. The node's contract (clusters/node-faults/
// synced-watermark.ts): damage after its synced watermark is a torn tail it never acknowledged, to
// be cut off; damage before it is to records it may have acknowledged, and it must refuse to start
// rather than apply or forget them. Each start op reports what was damaged, what the node should
// therefore do, and what it did, in its own words (its recovery line in INFO, or the line it died
// with). A node that refused stays down until the stop op restores the bytes from the copy taken
// before the damage — a restore from backup — and starts it again.
//
// drop-unsynced is a power cut for a node in fsync mode: the written-but-unsynced tail is lost,
// which a correct node never acknowledged (and a node with --bug no-fsync did).
//
// Files are handled with the node's own shell (Runtime.exec: the host's for the local runtime, the
// container's for docker), so the same nemesis works on both.

import type { Completion, Invocation } from "../harness/op.ts";
import type { DiskHook } from "../clusters/system.ts";
import { decodeWatermark, isSynced, recordSpans, WATERMARK_FILE, type SyncedWatermark } from "../clusters/node-faults/synced-watermark.ts";
import type { Nemesis, NemesisContext } from "./nemesis.ts";

export type DiskMode = "truncate" | "bitflip" | "drop-unsynced";
export const DISK_MODES: readonly DiskMode[] = ["truncate", "bitflip", "drop-unsynced"];

const BACKUP_SUFFIX = ".faultline-backup";
const SEGMENT = /^wal-(\d+)\.wal$/;
/** Damage lands in one of the last few records: the tail, where a crash tears writes. */
const TAIL_RECORDS = 3;
/** How long a restarted node has to answer or die. */
const RESTART_WAIT_MS = 20_000;

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Runs a shell script on the node's machine; throws with its stderr unless it exits 0. */
async function sh(ctx: NemesisContext, node: string, script: string, what: string): Promise<string> {
  const result = await ctx.runtime.exec(node, "sh", ["-c", script]);
  if (result.exitCode !== 0) throw new Error(`disk nemesis on ${node}: ${what} failed (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim()}`);
  return result.stdout;
}

async function readBytes(ctx: NemesisContext, node: string, path: string): Promise<Buffer | undefined> {
  const result = await ctx.runtime.exec(node, "sh", ["-c", `[ -f ${quote(path)} ] && base64 -w0 -- ${quote(path)}`]);
  return result.exitCode === 0 ? Buffer.from(result.stdout.trim(), "base64") : undefined;
}

interface Damage {
  segment: string;
  /** Where the damaged record starts: the offset recovery will report. */
  recordOffset: number;
  /** What was done, in words. */
  done: string;
  /** What the node must do: refuse to start (damage to what it had synced), cut a torn unsynced
   *  tail, or start clean (only unsynced bytes were lost, at a record boundary). */
  expect: "refused" | "truncated" | "clean";
}

/** A node whose WAL was damaged, and the copies that undo it. */
interface Damaged {
  node: string;
  backups: string[];
  refused: boolean;
}

export function diskNemesis(): Nemesis {
  const damaged = new Map<string, Damaged>();

  function hook(ctx: NemesisContext): DiskHook {
    const disk = ctx.system.faults?.disk;
    if (!disk) throw new Error(`disk nemesis: system ${ctx.system.name} does not expose its write-ahead log (System.faults.disk); only our own nodes do`);
    return disk;
  }

  async function damage(ctx: NemesisContext, node: string, mode: DiskMode): Promise<{ damage?: Damage; backups: string[]; note?: string }> {
    const dir = hook(ctx).walDir(ctx, node);
    const listing = await sh(ctx, node, `ls -1 -- ${quote(dir)}`, `listing ${dir}`);
    const segments = listing
      .split("\n")
      .map((name) => SEGMENT.exec(name.trim()))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => ({ name: match[0], sequence: Number(match[1]), path: `${dir}/${match[0]}` }))
      .sort((a, b) => a.sequence - b.sequence);
    if (segments.length === 0) return { backups: [], note: `no WAL segment in ${dir}` };
    const watermark = decodeWatermark(await readBytes(ctx, node, `${dir}/${WATERMARK_FILE}`));
    const last = segments[segments.length - 1];
    const backups: string[] = [];
    const backup = async (path: string, move: boolean) => {
      await sh(ctx, node, `${move ? "mv" : "cp -p"} -- ${quote(path)} ${quote(path + BACKUP_SUFFIX)}`, `copying ${path}`);
      backups.push(path);
    };

    if (mode === "drop-unsynced") {
      if (!watermark) return { backups, note: `no synced watermark in ${dir}: what was unsynced cannot be told` };
      const lost: string[] = [];
      for (const segment of segments.filter((s) => s.sequence > watermark.sequence)) {
        await backup(segment.path, true);
        lost.push(`${segment.name} (whole)`);
      }
      const synced = segments.find((s) => s.sequence === watermark.sequence);
      if (synced) {
        const size = Number((await sh(ctx, node, `wc -c < ${quote(synced.path)}`, `sizing ${synced.path}`)).trim());
        if (size > watermark.offset) {
          await backup(synced.path, false);
          await sh(ctx, node, `truncate -s ${watermark.offset} -- ${quote(synced.path)}`, `truncating ${synced.path}`);
          lost.push(`${synced.name} bytes ${watermark.offset}..${size}`);
        }
      }
      if (lost.length === 0) return { backups, note: `nothing was unsynced: ${describe(watermark)} covers the whole log` };
      return { backups, damage: { segment: synced?.name ?? last.name, recordOffset: watermark.offset, done: `dropped what was not fsynced: ${lost.join(", ")}`, expect: "clean" } };
    }

    const bytes = await readBytes(ctx, node, last.path);
    const spans = bytes ? recordSpans(bytes) : [];
    if (!bytes || spans.length === 0) return { backups, note: `${last.name} holds no whole record to damage` };
    const span = ctx.rng.pick(spans.slice(-TAIL_RECORDS));
    const expectFor = (offset: number): Damage["expect"] => (watermark && isSynced(watermark, last.sequence, offset) ? "refused" : "truncated");
    await backup(last.path, false);
    if (mode === "truncate") {
      // Strictly inside the record: its header or its body, never at a boundary.
      const cut = span.start + 1 + ctx.rng.int(span.end - span.start - 1);
      await sh(ctx, node, `truncate -s ${cut} -- ${quote(last.path)}`, `truncating ${last.path}`);
      return { backups, damage: { segment: last.name, recordOffset: span.start, done: `cut ${last.name} at byte ${cut}, inside the record at ${span.start}..${span.end} (${bytes.length - cut} bytes lost)`, expect: expectFor(span.start) } };
    }
    const at = span.start + ctx.rng.int(span.end - span.start);
    const bit = ctx.rng.int(8);
    const flipped = bytes[at] ^ (1 << bit);
    await sh(ctx, node, `printf '\\${flipped.toString(8).padStart(3, "0")}' | dd of=${quote(last.path)} bs=1 seek=${at} conv=notrunc 2>/dev/null`, `writing ${last.path}`);
    return { backups, damage: { segment: last.name, recordOffset: span.start, done: `flipped bit ${bit} of byte ${at} in ${last.name}, inside the record at ${span.start}..${span.end}`, expect: expectFor(span.start) } };
  }

  /** Starts the node and waits until it answers (with what its recovery did) or dies (with the
   *  line it died with). */
  async function startAndObserve(ctx: NemesisContext, node: string): Promise<{ outcome: "refused" | "truncated" | "clean" | "unknown"; said: string }> {
    await ctx.runtime.restart(node);
    const deadline = Date.now() + RESTART_WAIT_MS;
    while (Date.now() < deadline) {
      if (ctx.runtime.state(node) === "stopped") {
        const tail = await ctx.runtime.stderrTail(node, 30).catch(() => "");
        const line = tail.split("\n").reverse().find((text) => text.includes("WAL recovery")) ?? tail.trim().split("\n").pop() ?? "(no output)";
        return { outcome: line.includes("Refusing to start") ? "refused" : "unknown", said: line.trim() };
      }
      const said = await hook(ctx).recovery(ctx, node);
      if (said !== undefined) return { outcome: said.startsWith("truncated") ? "truncated" : said.startsWith("clean") ? "clean" : "unknown", said };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { outcome: "unknown", said: `no answer and no exit within ${RESTART_WAIT_MS} ms` };
  }

  /** Puts back the bytes of every damaged file and starts the node again. */
  async function repair(ctx: NemesisContext, entry: Damaged): Promise<void> {
    if (ctx.runtime.state(entry.node) !== "stopped") await ctx.runtime.kill(entry.node, "SIGKILL");
    for (const path of entry.backups) await sh(ctx, entry.node, `mv -f -- ${quote(path + BACKUP_SUFFIX)} ${quote(path)}`, `restoring ${path}`);
    const { outcome, said } = await startAndObserve(ctx, entry.node);
    if (outcome === "refused" || outcome === "unknown") throw new Error(`disk nemesis: ${entry.node} did not come back after its WAL was restored: ${said}`);
    damaged.delete(entry.node);
  }

  return {
    name: "disk",
    fs: ["corrupt-disk", "repair-disk"],
    async invoke(ctx: NemesisContext, op: Invocation): Promise<Completion> {
      if (op.f === "repair-disk") {
        const refused = [...damaged.values()].filter((entry) => entry.refused);
        for (const entry of refused) await repair(ctx, entry);
        return { type: "ok", value: { nodes: refused.map((entry) => entry.node), restored: refused.length > 0 ? "the damaged files from the copies taken before the damage" : "nothing (no node refused)" } };
      }
      const mode = (op.value as DiskMode | null) ?? "bitflip";
      if (!DISK_MODES.includes(mode)) return { type: "fail", error: `disk nemesis: unknown mode ${String(op.value)}; modes: ${DISK_MODES.join(", ")}` };
      hook(ctx);
      const candidates = ctx.nodes.filter((node) => !damaged.has(node) && ctx.runtime.state(node) === "running");
      if (candidates.length === 0) return { type: "fail", error: "disk nemesis: no running node whose disk is intact" };
      const node = ctx.rng.pick(candidates);
      // Down first: a disk is only damaged under a node that is not running, as after a crash.
      await ctx.runtime.kill(node, "SIGKILL");
      let result: Awaited<ReturnType<typeof damage>>;
      try {
        result = await damage(ctx, node, mode);
      } catch (error) {
        await ctx.runtime.restart(node).catch(() => undefined);
        throw error;
      }
      const entry: Damaged = { node, backups: result.backups, refused: false };
      damaged.set(node, entry);
      const observed = await startAndObserve(ctx, node);
      entry.refused = observed.outcome === "refused";
      if (!entry.refused) {
        // The node took what it found; the copies are no longer needed.
        for (const path of entry.backups) await sh(ctx, node, `rm -f -- ${quote(path + BACKUP_SUFFIX)}`, `removing the copy of ${path}`);
        damaged.delete(node);
      }
      const damageDone = result.damage;
      const detected = damageDone ? damageDone.expect === observed.outcome : undefined;
      return {
        type: "ok",
        value: {
          node,
          mode,
          ...(damageDone ? { damage: damageDone.done, expected: damageDone.expect } : { note: result.note }),
          observed: observed.outcome,
          said: observed.said,
          ...(detected === undefined ? {} : { detected }),
        },
      };
    },
    async heal(ctx) {
      const errors: string[] = [];
      for (const entry of [...damaged.values()]) {
        await repair(ctx, entry).catch((error: Error) => errors.push(error.message));
      }
      if (errors.length > 0) throw new Error(errors.join("; "));
    },
  };
}

function describe(watermark: SyncedWatermark): string {
  return `the synced watermark (segment ${watermark.sequence}, offset ${watermark.offset})`;
}
