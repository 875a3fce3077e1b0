import { describe, expect, it } from "vitest";
import { Rng } from "../rng.ts";
import { faultTurns, SOLO_SLOT_NS, soloTurnsFit, standingKinds, type FaultTurn } from "./fault-turns.ts";

const S = 1_000_000_000;
const RAFT_ALL = ["partition", "kill", "pause", "link", "disk", "clock", "reactive", "member"];
const ZAB_ALL = ["partition", "kill", "pause", "link", "reactive"];

/** The kinds whose turns cover the moment `atNs`. */
const turnAt = (turns: readonly FaultTurn[], kinds: readonly string[], atNs: number) => turns.filter((turn) => turn.startNs <= atNs && atNs < turn.endNs).map((turn) => kinds[turn.kind]);

describe("fault kinds sharing a run", () => {
  it("up to three kinds, every one stands all run", () => {
    expect(standingKinds(["partition", "kill", "pause"])).toEqual([0, 1, 2]);
    expect(faultTurns(["partition", "kill", "pause"], 30 * S, 2 * S, new Rng(1))).toEqual([]);
    expect(standingKinds(["link", "clock"])).toEqual([0, 1]);
    expect(faultTurns(["link", "clock"], 30 * S, 2 * S, new Rng(1))).toEqual([]);
  });

  it("with our Raft's eight kinds over 30 s: partition, kill and pause stand, and the other five take turns one at a time, each at least two intervals", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const turns = faultTurns(RAFT_ALL, 30 * S, 2 * S, new Rng(seed));
      expect(standingKinds(RAFT_ALL).map((kind) => RAFT_ALL[kind])).toEqual(["partition", "kill", "pause"]);
      for (let atNs = 0; atNs < 30 * S; atNs += S / 10) expect(turnAt(turns, RAFT_ALL, atNs).length, `seed ${seed} at ${atNs / S} s`).toBe(1);
      const turned = new Set(turns.map((turn) => RAFT_ALL[turn.kind]));
      expect(turned).toEqual(new Set(["link", "disk", "clock", "reactive", "member"]));
      for (const turn of turns) expect(turn.endNs - turn.startNs).toBeGreaterThanOrEqual(4 * S);
      expect(turns[turns.length - 1].endNs).toBe(30 * S);
    }
  });

  it("is one schedule per seed and another for another seed", () => {
    expect(faultTurns(RAFT_ALL, 30 * S, 2 * S, new Rng(7))).toEqual(faultTurns(RAFT_ALL, 30 * S, 2 * S, new Rng(7)));
    expect(faultTurns(RAFT_ALL, 30 * S, 2 * S, new Rng(7))).not.toEqual(faultTurns(RAFT_ALL, 30 * S, 2 * S, new Rng(8)));
  });

  it("in a long run, plays slots of four intervals back to back, never the same kind twice in a row", () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const turns = faultTurns(ZAB_ALL, 600 * S, 2 * S, new Rng(seed));
      expect(turns.length).toBe(75);
      for (let i = 1; i < turns.length; i++) {
        expect(turns[i].startNs).toBe(turns[i - 1].endNs);
        expect(turns[i].endNs - turns[i].startNs).toBe(8 * S);
        expect(turns[i].kind, `seed ${seed} turn ${i}`).not.toBe(turns[i - 1].kind);
      }
    }
  });

  it("with none of the standard mix, the kinds take turns one at a time", () => {
    const kinds = ["link", "disk", "clock", "member"];
    const turns = faultTurns(kinds, 20 * S, 1 * S);
    expect(standingKinds(kinds)).toEqual([]);
    expect(turns.map((turn) => kinds[turn.kind])).toEqual(["link", "disk", "clock", "member", "link"]);
  });

  it("gives a staged kind a turn of 15 s to itself, only where it fits whole, and the others their usual slots", () => {
    // Our Raft's kinds with reactive figure-8 as a lane of its own (index 8).
    const kinds = [...RAFT_ALL, "reactive"];
    expect(soloTurnsFit(30 * S)).toBe(false);
    expect(soloTurnsFit(60 * S)).toBe(true);
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const turns = faultTurns(kinds, 60 * S, 2 * S, new Rng(seed), [8]);
      const staged = turns.filter((turn) => turn.kind === 8);
      expect(staged.length, `seed ${seed}`).toBeGreaterThanOrEqual(1);
      for (const turn of staged) expect(turn.endNs - turn.startNs).toBe(SOLO_SLOT_NS);
      for (const turn of turns.filter((turn) => turn.kind !== 8)) expect(turn.endNs - turn.startNs).toBeLessThanOrEqual(8 * S);
      for (let i = 1; i < turns.length; i++) expect(turns[i].startNs).toBe(turns[i - 1].endNs);
      expect(turns[turns.length - 1].endNs).toBe(60 * S);
      expect(new Set(turns.map((turn) => turn.kind))).toEqual(new Set([3, 4, 5, 6, 7, 8]));
    }
    // Near the end a staged turn that would be cut short is passed over.
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
      for (const turn of faultTurns(kinds, 100 * S, 2 * S, new Rng(seed), [8])) if (turn.kind === 8) expect(turn.endNs - turn.startNs).toBe(SOLO_SLOT_NS);
    }
  });

  it("refuses a run or interval that is not positive", () => {
    expect(() => faultTurns(RAFT_ALL, 0, 2 * S)).toThrow(/positive run time/);
    expect(() => faultTurns(RAFT_ALL, 30 * S, 0)).toThrow(/positive run time and nemesis interval/);
  });
});
