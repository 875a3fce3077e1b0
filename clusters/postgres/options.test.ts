import { describe, expect, it } from "vitest";
import { DEFAULT_BINDIR } from "./binaries.ts";
import { beginClause } from "./isolation.ts";
import { postgresOptions, postgresSettings } from "./options.ts";

describe("postgres options", () => {
  it("default to one serializable server, Debian's PostgreSQL 15, no kept data, and asynchronous replication read from the primary", () => {
    expect(postgresOptions.parse({})).toEqual({
      topology: "single",
      isolation: "serializable",
      bindir: DEFAULT_BINDIR,
      keepData: false,
      "read-from": "primary",
      synchronous_commit: "on",
      synchronous_standbys: 0,
      hot_standby: true,
      recovery_min_apply_delay: 0,
      "failover-after-ms": 2000,
    });
  });

  it("refuse a topology the run cannot have, saying what to pass", () => {
    expect(() => postgresSettings({}, "local", 3)).toThrow(/topology=single runs one server, but the run has 3 nodes; pass --nodes 1, or --opt topology=streaming --runtime docker/);
    expect(() => postgresSettings({ topology: "streaming" }, "local", 3)).toThrow(/streaming runs on the docker runtime.*--runtime docker/);
    expect(() => postgresSettings({ topology: "streaming" }, "docker", 1)).toThrow(/at least one standby.*--nodes 3/);
    expect(() => postgresSettings({ topology: "streaming", synchronous_standbys: 3 }, "docker", 3)).toThrow(/synchronous_standbys=3 asks for more standbys than the 3-node cluster has \(2\)/);
    expect(postgresSettings({ topology: "streaming", synchronous_standbys: 2 }, "docker", 3).synchronous_standbys).toBe(2);
  });

  it("map each isolation level to PostgreSQL's BEGIN clause", () => {
    expect(beginClause(postgresOptions.parse({ isolation: "read-committed" }).isolation)).toBe("isolation level read committed");
    expect(beginClause(postgresOptions.parse({ isolation: "repeatable-read" }).isolation)).toBe("isolation level repeatable read");
    expect(beginClause(postgresOptions.parse({ isolation: "serializable" }).isolation)).toBe("isolation level serializable");
  });

  it("take keepData as the string the command line gives", () => {
    expect(postgresOptions.parse({ keepData: "true" }).keepData).toBe(true);
    expect(postgresOptions.parse({ keepData: "false" }).keepData).toBe(false);
  });

  it("reject anything else, naming the choices", () => {
    expect(() => postgresOptions.parse({ isolation: "snapshot" })).toThrow(/read-committed, repeatable-read, serializable.*"snapshot"/);
    expect(() => postgresOptions.parse({ keepData: "yes" })).toThrow(/keepData must be true or false, got "yes"/);
    expect(() => postgresOptions.parse({ bindir: "" })).toThrow(/bindir must be a directory path/);
  });
});
