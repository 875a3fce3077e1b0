import { describe, expect, it } from "vitest";
import { MODELS, anomaliesProhibitedBy, boundary, canonicalModel, impliedAnomalies, impossibleModels, isKnownAnomaly } from "./models.ts";
import { CYCLE_TYPES } from "./classify.ts";

describe("consistency models", () => {
  it("includes the models the checker is asked about", () => {
    for (const model of [
      "strict-serializable",
      "serializable",
      "strong-snapshot-isolation",
      "snapshot-isolation",
      "repeatable-read",
      "read-committed",
      "read-uncommitted",
      "strong-session-serializable",
      "strong-session-snapshot-isolation",
    ]) {
      expect(MODELS).toContain(model);
    }
  });

  it("knows every cycle anomaly the search can report", () => {
    for (const type of CYCLE_TYPES) expect(isKnownAnomaly(type)).toBe(true);
  });

  it("G-single rules out SI and repeatable read first, and everything above them", () => {
    expect(boundary(["G-single"])).toEqual({
      not: ["repeatable-read", "snapshot-isolation"],
      alsoNot: [
        "serializable",
        "strict-serializable",
        "strong-session-serializable",
        "strong-session-snapshot-isolation",
        "strong-snapshot-isolation",
      ],
    });
  });

  it("G2-item rules out repeatable read but not snapshot isolation", () => {
    const { not, alsoNot } = boundary(["G2-item"]);
    expect(not).toEqual(["repeatable-read"]);
    expect([...not, ...alsoNot]).not.toContain("snapshot-isolation");
    expect(alsoNot).toEqual(["serializable", "strict-serializable", "strong-session-serializable"]);
  });

  it("G0 rules out everything from read uncommitted up", () => {
    expect(boundary(["G0"]).not).toEqual(["read-uncommitted"]);
    expect(impossibleModels(["G0"]).size).toBe(MODELS.length);
  });

  it("realtime and process variants rule out only the strong models", () => {
    expect(boundary(["G-single-realtime"])).toEqual({ not: ["strong-snapshot-isolation"], alsoNot: ["strict-serializable"] });
    expect(boundary(["G-single-process"]).not).toEqual(["strong-session-snapshot-isolation"]);
    expect(boundary(["G2-item-realtime"])).toEqual({ not: ["strict-serializable"], alsoNot: [] });
    expect(boundary(["G1c-process"]).not).toEqual(["strong-session-read-committed"]);
  });

  it("unknown-class anomalies rule out nothing", () => {
    expect(boundary(["cycle-search-timeout", "empty-transaction-graph"])).toEqual({ not: [], alsoNot: [] });
  });

  it("prohibited anomalies include everything that implies a prohibited one", () => {
    const si = anomaliesProhibitedBy(["snapshot-isolation"]);
    for (const type of ["G0", "G1a", "G1b", "G1c", "G-single", "G-nonadjacent", "internal", "lost-update", "incompatible-order", "dirty-update"]) {
      expect(si.has(type), type).toBe(true);
    }
    for (const type of ["G2-item", "G-single-realtime", "G2-item-process"]) expect(si.has(type), type).toBe(false);
    const strict = anomaliesProhibitedBy(["strict-serializable"]);
    for (const type of CYCLE_TYPES) expect(strict.has(type), type).toBe(true);
    expect(anomaliesProhibitedBy(["read-committed"]).has("G2-item")).toBe(false);
  });

  it("implication is transitive", () => {
    expect(impliedAnomalies(["G-single"])).toEqual(
      new Set([
        "G-single",
        "G-single-process",
        "G-single-realtime",
        "G-nonadjacent",
        "G-nonadjacent-process",
        "G-nonadjacent-realtime",
        "G2-item",
        "G2-item-process",
        "G2-item-realtime",
        "G2",
        "G2-process",
        "G2-realtime",
      ]),
    );
  });

  it("accepts Elle's canonical names as aliases and rejects unknown ones", () => {
    expect(canonicalModel("PL-SI")).toBe("snapshot-isolation");
    expect(canonicalModel("strong-serializable")).toBe("strict-serializable");
    expect(() => canonicalModel("eventual")).toThrow(/unknown consistency model/);
  });
});
