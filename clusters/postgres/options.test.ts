import { describe, expect, it } from "vitest";
import { DEFAULT_BINDIR } from "./binaries.ts";
import { beginClause } from "./isolation.ts";
import { postgresOptions } from "./options.ts";

describe("postgres options", () => {
  it("default to serializable, Debian's PostgreSQL 15 and no kept data", () => {
    expect(postgresOptions.parse({})).toEqual({ isolation: "serializable", bindir: DEFAULT_BINDIR, keepData: false });
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
