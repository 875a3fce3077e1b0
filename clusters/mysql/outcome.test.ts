import { describe, expect, it } from "vitest";
import { Refusal } from "../sql/transaction-body.ts";
import { DeadlinePassed, unsuccessfulCompletion } from "./outcome.ts";
import { gtidSequence } from "./replication.ts";
import { mysqlDialect } from "./dialect.ts";

/** An error as mysql2 reports one the server sent. */
function serverError(errno: number, code: string, sqlState: string, message: string): Error {
  return Object.assign(new Error(message), { errno, code, sqlState, sqlMessage: message, fatal: false });
}

const lost = Object.assign(new Error("Connection lost: The server closed the connection."), { code: "PROTOCOL_CONNECTION_LOST", fatal: true });

describe("MariaDB outcomes", () => {
  it("a deadlock or Galera certification conflict is the server's answer, at any phase", () => {
    const deadlock = serverError(1213, "ER_LOCK_DEADLOCK", "40001", "Deadlock found when trying to get lock; try restarting transaction");
    for (const phase of ["before-commit", "commit"] as const) {
      const completion = unsuccessfulCompletion(phase, deadlock, false);
      expect(completion).toMatchObject({ type: "fail", answered: true });
      expect(completion.error).toMatch(/ER_LOCK_DEADLOCK \(1213, SQLSTATE 40001\).*rolled back/);
    }
    expect(unsuccessfulCompletion("commit", serverError(1020, "ER_CHECKREAD", "HY000", "Record has changed since last read in table 'lists'"), false)).toMatchObject({ type: "fail", answered: true });
    expect(unsuccessfulCompletion("before-commit", serverError(1205, "ER_LOCK_WAIT_TIMEOUT", "HY000", "Lock wait timeout exceeded"), false)).toMatchObject({ type: "fail", answered: true });
  });

  it("read_only and a Galera node outside the primary component refuse: fail, not answered", () => {
    const readOnly = unsuccessfulCompletion("commit", serverError(1290, "ER_OPTION_PREVENTS_STATEMENT", "HY000", "The MariaDB server is running with the --read-only option"), false);
    expect(readOnly.type).toBe("fail");
    expect(readOnly.answered).toBeUndefined();
    const nonPrimary = unsuccessfulCompletion("before-commit", serverError(1047, "ER_UNKNOWN_COM_ERROR", "08S01", "WSREP has not yet prepared node for application use"), false);
    expect(nonPrimary).toMatchObject({ type: "fail" });
    expect(nonPrimary.error).toMatch(/not in the primary component/);
  });

  it("a connection lost before COMMIT is fail; during COMMIT it is info, unless the transaction only read", () => {
    expect(unsuccessfulCompletion("before-commit", lost, false)).toMatchObject({ type: "fail", error: expect.stringMatching(/COMMIT was never sent/) });
    expect(unsuccessfulCompletion("commit", lost, false)).toMatchObject({ type: "info", error: expect.stringMatching(/PROTOCOL_CONNECTION_LOST.*may have committed/) });
    expect(unsuccessfulCompletion("commit", lost, true)).toMatchObject({ type: "fail", error: expect.stringMatching(/only read/) });
    expect(unsuccessfulCompletion("commit", new DeadlinePassed("the op's deadline passed while COMMIT was in flight"), false).type).toBe("info");
  });

  it("an unknown server error at COMMIT is info: it cannot be placed", () => {
    expect(unsuccessfulCompletion("commit", serverError(1180, "ER_ERROR_DURING_COMMIT", "HY000", "Got error 1 during COMMIT"), false).type).toBe("info");
  });

  it("the client's own refusal (insufficient funds, a cas that found another value) is answered", () => {
    expect(unsuccessfulCompletion("before-commit", new Refusal("bank: insufficient funds"), false)).toEqual({ type: "fail", answered: true, error: "bank: insufficient funds" });
  });
});

describe("MariaDB replication positions and lists", () => {
  it("a GTID list's position is its largest sequence number", () => {
    expect(gtidSequence("")).toBe(0);
    expect(gtidSequence(null)).toBe(0);
    expect(gtidSequence("0-1-105")).toBe(105);
    expect(gtidSequence("0-1-105,1-2-7")).toBe(105);
  });

  it("a list is comma-separated text", () => {
    expect(mysqlDialect.decodeList("1,2,30")).toEqual([1, 2, 30]);
    expect(mysqlDialect.decodeList("")).toEqual([]);
    expect(mysqlDialect.decodeList("1,x")).toBeUndefined();
    expect(mysqlDialect.decodeList(null)).toBeUndefined();
  });
});
