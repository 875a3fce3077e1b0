import { describe, expect, it } from "vitest";
import { claimsOf } from "../system.ts";
import { postgresSystem } from "./system.ts";

describe("PostgreSQL's claims per configuration", () => {
  it("one server: the isolation level's model, durability through it (WAL fsync)", () => {
    const single = claimsOf(postgresSystem, {});
    expect(single).toMatchObject({ cap: "CP", model: "serializable" });
    expect(single.durable).toBeUndefined();
    expect(claimsOf(postgresSystem, { isolation: "repeatable-read" })).toMatchObject({ model: "snapshot-isolation" });
  });

  it("asynchronous streaming replication: AP, acknowledged commits not claimed durable (a failover may lose them)", () => {
    expect(claimsOf(postgresSystem, { topology: "streaming" })).toMatchObject({ cap: "AP", durable: false });
    expect(claimsOf(postgresSystem, { topology: "streaming", synchronous_standbys: 1, synchronous_commit: "local" })).toMatchObject({ cap: "AP", durable: false });
  });

  it("synchronous standbys with a commit that waits for them: CP and durable", () => {
    expect(claimsOf(postgresSystem, { topology: "streaming", synchronous_standbys: 1 })).toMatchObject({ cap: "CP", durable: true });
    expect(claimsOf(postgresSystem, { topology: "streaming", synchronous_standbys: 1, synchronous_commit: "remote_apply" })).toMatchObject({ cap: "CP", durable: true });
  });
});
