import { describe, expect, it } from "vitest";
import { CHAIN, HEALED, chainSetupScript, checkLinkFaultsSupported, hasLossRules, parseLossCounters, renderChain, withLinkFaults, withPartition } from "./firewall.ts";

const NODES = ["n1", "n2", "n3"];
const ADDRESS: Record<string, string> = { n1: "10.1.0.2", n2: "10.1.0.3", n3: "10.1.0.4" };
const addressOf = (node: string): string => ADDRESS[node];

function rules(node: string, state = HEALED): string[] {
  return renderChain(node, state, addressOf)
    .split("\n")
    .filter((line) => line.startsWith("-A"));
}

describe("renderChain", () => {
  it("declares only our chain, so a --noflush restore replaces it and nothing else", () => {
    const text = renderChain("n1", HEALED, addressOf);
    expect(text).toBe(`*filter\n:${CHAIN} - [0:0]\nCOMMIT\n`);
    expect(text).not.toMatch(/INPUT|OUTPUT|FORWARD|-F|-X/);
  });

  it("turns a grudge into drops on the receiving side, by source address", () => {
    const state = withPartition(HEALED, { n1: ["n2", "n3"], n2: ["n1"] }, NODES);
    expect(rules("n1")).toEqual([]);
    expect(rules("n1", state)).toEqual([
      `-A ${CHAIN} -s 10.1.0.3/32 -m comment --comment "partition n2>n1" -j DROP`,
      `-A ${CHAIN} -s 10.1.0.4/32 -m comment --comment "partition n3>n1" -j DROP`,
    ]);
    expect(rules("n2", state)).toEqual([`-A ${CHAIN} -s 10.1.0.2/32 -m comment --comment "partition n1>n2" -j DROP`]);
    // n3 hears everyone: a one-way cut is one-way.
    expect(rules("n3", state)).toEqual([]);
  });

  it("drops a fraction of packets with the statistic match, in decimal notation", () => {
    const state = withLinkFaults(HEALED, { dropFraction: 0.0000005 }, [{ from: "n2", to: "n1" }], NODES);
    expect(rules("n1", state)).toEqual([
      `-A ${CHAIN} -s 10.1.0.3/32 -m comment --comment "count n2>n1"`,
      `-A ${CHAIN} -s 10.1.0.3/32 -m statistic --mode random --probability 0.0000005 -m comment --comment "loss n2>n1" -j DROP`,
    ]);
    const quarter = withLinkFaults(HEALED, { dropFraction: 0.25 }, [{ from: "n3", to: "n2" }], NODES);
    expect(rules("n2", quarter)[1]).toContain("--probability 0.25 ");
    expect(rules("n3", quarter)).toEqual([]);
  });

  it("drops everything on a link with fraction 1, without a statistic match", () => {
    const state = withLinkFaults(HEALED, { dropFraction: 1 }, [{ from: "n1", to: "n3" }], NODES);
    expect(rules("n3", state)).toEqual([`-A ${CHAIN} -s 10.1.0.2/32 -m comment --comment "count n1>n3"`, `-A ${CHAIN} -s 10.1.0.2/32 -m comment --comment "loss n1>n3" -j DROP`]);
  });

  it("reads the loss counters back from iptables' listing, by rule comment", () => {
    const listing = [
      "Chain FAULTLINE (1 references)",
      "    pkts      bytes target     prot opt in     out     source               destination",
      "       5      300            all  --  *      *       10.1.0.4             0.0.0.0/0            /* partition n3>n1 */",
      "    1200    72000            all  --  *      *       10.1.0.3             0.0.0.0/0            /* count n2>n1 */",
      "     361    21660 DROP       all  --  *      *       10.1.0.3             0.0.0.0/0            statistic mode random probability 0.30000000009 /* loss n2>n1 */",
    ].join("\n");
    expect(parseLossCounters(listing)).toEqual({ "n2>n1": { received: 1200, dropped: 361 } });
    expect(hasLossRules(renderChain("n1", withLinkFaults(HEALED, { dropFraction: 0.3 }, [{ from: "n2", to: "n1" }], NODES), (node) => node))).toBe(true);
    expect(hasLossRules(renderChain("n1", HEALED, (node) => node))).toBe(false);
  });

  it("does not add a loss rule for a link the partition already cuts", () => {
    let state = withPartition(HEALED, { n1: ["n2"] }, NODES);
    state = withLinkFaults(state, { dropFraction: 0.5 }, undefined, NODES);
    const n1 = rules("n1", state);
    expect(n1.filter((rule) => rule.includes("10.1.0.3"))).toHaveLength(1);
    expect(n1.some((rule) => rule.includes("loss n3>n1"))).toBe(true);
  });
});

describe("firewall state", () => {
  it("a new partition replaces the old one; link loss survives it", () => {
    let state = withLinkFaults(HEALED, { dropFraction: 0.1 }, [{ from: "n1", to: "n2" }], NODES);
    state = withPartition(state, { n3: ["n1"] }, NODES);
    state = withPartition(state, { n1: ["n3"] }, NODES);
    expect(state.grudge).toEqual({ n1: ["n3"] });
    expect(state.linkDrops).toEqual({ "n1>n2": 0.1 });
  });

  it("ignores self-grudges and duplicates, and drops empty entries", () => {
    const state = withPartition(HEALED, { n1: ["n1", "n2", "n2"], n2: [] }, NODES);
    expect(state.grudge).toEqual({ n1: ["n2"] });
  });

  it("setLinkFaults without links applies to every directed link; 0 clears", () => {
    const all = withLinkFaults(HEALED, { dropFraction: 0.3 }, undefined, NODES);
    expect(Object.keys(all.linkDrops).sort()).toEqual(["n1>n2", "n1>n3", "n2>n1", "n2>n3", "n3>n1", "n3>n2"]);
    const cleared = withLinkFaults(all, { dropFraction: 0 }, [{ from: "n1", to: "n2" }], NODES);
    expect(cleared.linkDrops["n1>n2"]).toBeUndefined();
    expect(Object.keys(cleared.linkDrops)).toHaveLength(5);
  });

  it("rejects unknown nodes with the list of known ones", () => {
    expect(() => withPartition(HEALED, { n9: ["n1"] }, NODES)).toThrow(/unknown node "n9"; nodes are n1, n2, n3/);
    expect(() => withPartition(HEALED, { n1: ["n7"] }, NODES)).toThrow(/unknown node "n7"/);
    expect(() => withLinkFaults(HEALED, { dropFraction: 0.1 }, [{ from: "n1", to: "x" }], NODES)).toThrow(/unknown node "x"/);
  });
});

describe("unsupported link faults", () => {
  it("says latency needs the local runtime's proxy", () => {
    expect(() => checkLinkFaultsSupported({ delayMs: 50 })).toThrow(/delayMs=50.*netem.*--runtime local/);
    expect(() => checkLinkFaultsSupported({ jitterMs: 5 })).toThrow(/jitterMs=5/);
    expect(() => checkLinkFaultsSupported({ duplicateFraction: 0.1 })).toThrow(/duplicateFraction/);
    expect(() => checkLinkFaultsSupported({ reorderFraction: 0.1 })).toThrow(/reorderFraction/);
  });

  it("accepts zero values of the unsupported kinds and rejects out-of-range loss", () => {
    expect(() => checkLinkFaultsSupported({ delayMs: 0, jitterMs: 0, dropFraction: 0.2 })).not.toThrow();
    expect(() => checkLinkFaultsSupported({ dropFraction: 1.5 })).toThrow(/between 0 and 1/);
    expect(() => checkLinkFaultsSupported({ dropFraction: Number.NaN })).toThrow(/between 0 and 1/);
    expect(() => checkLinkFaultsSupported({ dropFraction: 1e-12 })).toThrow(/below what iptables can express/);
  });
});

describe("chainSetupScript", () => {
  it("creates the chain and the jump only when missing, jump first in INPUT", () => {
    const script = chainSetupScript();
    expect(script).toContain(`iptables -w -N ${CHAIN} 2>/dev/null || true`);
    expect(script).toContain(`iptables -w -C INPUT -j ${CHAIN} 2>/dev/null || iptables -w -I INPUT 1 -j ${CHAIN}`);
  });
});
