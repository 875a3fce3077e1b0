import { describe, expect, it } from "vitest";
import { claimsOf } from "../system.ts";
import { mysqlSystem } from "./system.ts";

describe("MariaDB's claims per configuration", () => {
  it("async replication claims no durability of acknowledged writes (a failover may lose them, C1)", () => {
    expect(claimsOf(mysqlSystem, {})).toMatchObject({ cap: "AP", model: "repeatable-read", durable: false });
    expect(claimsOf(mysqlSystem, { "read-from": "replica" })).toMatchObject({ cap: "AP", model: "eventual", durable: false });
  });

  it("Galera certifies every commit on all nodes before acknowledging: durability follows its model", () => {
    const galera = claimsOf(mysqlSystem, { topology: "galera" });
    expect(galera).toMatchObject({ cap: "CP", model: "snapshot-isolation" });
    expect(galera.durable).toBeUndefined();
  });
});
