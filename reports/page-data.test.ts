import { describe, expect, it } from "vitest";
import type { Op } from "../harness/op.ts";
import { jsonForScript, OUTCOMES, packHistory } from "./page-data.ts";

const MS = 1_000_000;

describe("packed ops for the page", () => {
  const history = [
    { time: 0, process: 0, type: "invoke", f: "write", value: 1, key: 7, node: "n1" },
    { time: 1 * MS, process: "nemesis", type: "invoke", f: "start-partition", value: "random-halves" },
    { time: 2 * MS, process: 1, type: "invoke", f: "read", value: null, key: 7, node: "n2" },
    { time: 5 * MS, process: 0, type: "ok", f: "write", value: 1, key: 7, node: "n1" },
    { time: 6 * MS, process: "nemesis", type: "ok", f: "start-partition", value: { components: [["n1"], ["n2"]] } },
    { time: 9 * MS, process: 1, type: "info", f: "read", value: null, key: 7, node: "n2", error: "timeout" },
    { time: 10 * MS, process: 2, type: "invoke", f: "write", value: "</script><img src=x>", key: 7 },
  ].map((op, index) => ({ ...op, index }) as Op);

  it("unpacks to every op with its process, times, outcome and text", () => {
    const data = packHistory(history);
    const rows: string[] = [];
    let startUs = 0;
    let index = 0;
    for (let i = 0; i < data.ops.p.length; i++) {
      startUs += data.ops.s[i];
      index += data.ops.i[i];
      const text = (k: number) => (k < 0 ? "-" : data.strs[k]);
      rows.push([index, data.procs[data.ops.p[i]], startUs, data.ops.d[i], OUTCOMES[data.ops.o[i]], data.fs[data.ops.f[i]], text(data.ops.v[i]), text(data.ops.r[i]), text(data.ops.e[i]), text(data.ops.n[i]), data.ops.c[i]].join(" "));
    }
    expect(rows).toEqual([
      "0 0 0 5000 ok write 1 1 - n1 3",
      "1 nemesis 1000 5000 ok start-partition \"random-halves\" {\"components\":[[\"n1\"],[\"n2\"]]} - - 3",
      "2 1 2000 7000 info read null null timeout n2 3",
      "6 2 10000 -1 open write \"</script><img src=x>\" - - - -1",
    ]);
    expect(data.procs).toEqual(["nemesis", "0", "1", "2"]);
    expect(data.endS).toBeCloseTo(0.01);
    expect(data.clientOps).toBe(3);
  });

  it("embedded JSON cannot close its script element or open markup", () => {
    const json = jsonForScript(packHistory(history));
    expect(json).not.toContain("<");
    expect(JSON.parse(json).strs).toContain('"</script><img src=x>"');
  });

  it("a foreign history that breaks the invoke/complete protocol still packs", () => {
    const broken = [
      { time: 0, process: 0, type: "ok", f: "read", value: 1 },
      { time: 1, process: 0, type: "invoke", f: "read", value: null },
      { time: 2, process: 0, type: "invoke", f: "read", value: null },
      { time: 3, process: 0, type: "ok", f: "read", value: 2 },
    ].map((op, index) => ({ ...op, index }) as Op);
    const data = packHistory(broken);
    expect(data.unpaired).toBe(1);
    expect(data.ops.p.length).toBe(2);
  });
});

describe("a history without times", () => {
  it("is laid out by position, one microsecond per entry, and says so", () => {
    const history = [
      { time: 0, process: 0, type: "invoke", f: "txn", value: [] },
      { time: 0, process: 1, type: "invoke", f: "txn", value: [] },
      { time: 0, process: 0, type: "ok", f: "txn", value: [] },
      { time: 0, process: 1, type: "ok", f: "txn", value: [] },
    ].map((op, index) => ({ ...op, index }) as Op);
    const data = packHistory(history);
    expect(data.timeless).toBe(true);
    expect(data.ops.s).toEqual([0, 1]);
    expect(data.ops.d).toEqual([2, 2]);
    expect(data.endS).toBeCloseTo(3e-6);
  });
});
