// Clock faults (Jepsen's clock nemesis): skew some nodes' wall clocks, bump one by seconds, strobe
// one back and forth, or set every clock right again at an arbitrary moment — through the system's
// clock hook (our nodes' control file; libfaketime's in a preloaded real server's container), never
// the host's clock. Every op reports the offsets it set and the offsets the nodes then reported
// themselves (ClockHook.observeOffset), which is what the report plots.

import type { Completion, Invocation } from "../harness/op.ts";
import type { ClockHook } from "../clusters/system.ts";
import type { Nemesis, NemesisContext } from "./nemesis.ts";

export type ClockMode = "offset" | "bump" | "strobe" | "reset";
export const CLOCK_MODES: readonly ClockMode[] = ["offset", "bump", "strobe", "reset"];

/** Skews stay within what a lease or a TTL notices (locks default to 5 s leases); bumps go past. */
const SKEW_MS = { min: 200, max: 5_000 };
const BUMP_MS = { min: 1_000, max: 20_000 };
const STROBE_MS = { min: 500, max: 5_000 };
const STROBE_PERIOD_MS = { min: 20, max: 200 };
/** Time for a node to pick up a new offset before it is asked for its clock (our nodes look every
 *  10 ms; libfaketime without a cache on every call). */
const SETTLE_MS = 50;

interface Strobe {
  node: string;
  stop(): Promise<void>;
}

function drawMagnitude(ctx: NemesisContext, range: { min: number; max: number }): number {
  const magnitude = range.min + ctx.rng.int(range.max - range.min + 1);
  return ctx.rng.bool() ? magnitude : -magnitude;
}

export function clockNemesis(): Nemesis {
  /** What each node's clock was last set to, in ms from real time (absent: 0). */
  const offsets = new Map<string, number>();
  let strobes: Strobe[] = [];

  function hook(ctx: NemesisContext): ClockHook {
    const clock = ctx.system.faults?.clock;
    if (!clock) throw new Error(`clock nemesis: system ${ctx.system.name} has no clock the nemesis can move (System.faults.clock)`);
    return clock;
  }

  async function set(ctx: NemesisContext, node: string, offsetMs: number): Promise<void> {
    await hook(ctx).setOffset(ctx, node, offsetMs);
    if (offsetMs === 0) offsets.delete(node);
    else offsets.set(node, offsetMs);
  }

  /** Each node's clock as it reports it now (null: it did not answer — down or paused). */
  async function observe(ctx: NemesisContext, nodes: readonly string[]): Promise<Record<string, number | null>> {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const clock = hook(ctx);
    const readings = await Promise.all(nodes.map(async (node) => [node, (await clock.observeOffset(ctx, node).catch(() => undefined)) ?? null] as const));
    return Object.fromEntries(readings);
  }

  async function stopStrobes(): Promise<void> {
    const running = strobes;
    strobes = [];
    await Promise.all(running.map((strobe) => strobe.stop()));
  }

  /** Flips `node`'s clock between base + delta and base every period until stopped. */
  function strobe(ctx: NemesisContext, node: string, base: number, delta: number, periodMs: number): Strobe {
    let running = true;
    let high = false;
    const loop = (async () => {
      while (running) {
        high = !high;
        await set(ctx, node, high ? base + delta : base).catch((error: Error) => ctx.log(`clock strobe on ${node}: ${error.message}`));
        await new Promise((resolve) => setTimeout(resolve, periodMs));
      }
      await set(ctx, node, base);
    })();
    return {
      node,
      async stop() {
        running = false;
        await loop;
      },
    };
  }

  async function resetAll(ctx: NemesisContext): Promise<void> {
    await stopStrobes();
    await hook(ctx).reset(ctx);
    offsets.clear();
  }

  return {
    name: "clock",
    fs: ["clock", "reset-clock"],
    async invoke(ctx: NemesisContext, op: Invocation): Promise<Completion> {
      if (op.f === "reset-clock") {
        await resetAll(ctx);
        return { type: "ok", value: { mode: "reset", set: Object.fromEntries(ctx.nodes.map((node) => [node, 0])), observed: await observe(ctx, ctx.nodes) } };
      }
      const mode = (op.value as ClockMode | null) ?? "offset";
      if (!CLOCK_MODES.includes(mode)) return { type: "fail", error: `clock nemesis: unknown mode ${String(op.value)}; modes: ${CLOCK_MODES.join(", ")}` };
      hook(ctx);
      const changed: Record<string, number> = {};
      let detail: Record<string, unknown> = {};
      if (mode === "reset") {
        await resetAll(ctx);
        for (const node of ctx.nodes) changed[node] = 0;
      } else if (mode === "offset") {
        // Each node skewed with even odds (at least one), each its own way: clocks disagree.
        const chosen = ctx.nodes.filter(() => ctx.rng.bool());
        const nodes = chosen.length > 0 ? chosen : [ctx.rng.pick(ctx.nodes)];
        for (const node of nodes) {
          changed[node] = drawMagnitude(ctx, SKEW_MS);
          await set(ctx, node, changed[node]);
        }
      } else if (mode === "bump") {
        const node = ctx.rng.pick(ctx.nodes);
        const delta = drawMagnitude(ctx, BUMP_MS);
        changed[node] = (offsets.get(node) ?? 0) + delta;
        await set(ctx, node, changed[node]);
        detail = { bumpMs: delta };
      } else {
        const node = ctx.rng.pick(ctx.nodes);
        const previous = strobes.find((s) => s.node === node);
        if (previous) {
          strobes = strobes.filter((s) => s !== previous);
          await previous.stop();
        }
        const delta = drawMagnitude(ctx, STROBE_MS);
        const periodMs = STROBE_PERIOD_MS.min + ctx.rng.int(STROBE_PERIOD_MS.max - STROBE_PERIOD_MS.min + 1);
        const base = offsets.get(node) ?? 0;
        strobes.push(strobe(ctx, node, base, delta, periodMs));
        changed[node] = base + delta;
        detail = { strobeMs: delta, periodMs, between: [base, base + delta] };
      }
      const nodes = Object.keys(changed);
      return { type: "ok", value: { mode, nodes, set: changed, ...detail, observed: await observe(ctx, nodes) } };
    },
    async heal(ctx) {
      await resetAll(ctx);
    },
  };
}
