import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { RolledBack, unsuccessfulCompletion } from "./outcome.ts";
import { Refusal } from "../sql/transaction-body.ts";
import { ConnectionLost, DeadlinePassed } from "./transaction.ts";

// postgres.js builds its errors from the server's fields; its typings only know Error's
// constructor, so the test names the real one.
const PostgresError = postgres.PostgresError as unknown as new (fields: Record<string, string>) => postgres.PostgresError;

const serverError = (code: string, severity = "ERROR") => new PostgresError({ code, severity, message: `server said ${code}` });
const connectionError = (code: string) => Object.assign(new Error(`write ${code} 127.0.0.1:5432`), { code });

describe("outcome of a transaction that did not commit", () => {
  it.each([
    ["serialization failure", serverError("40001")],
    ["deadlock", serverError("40P01")],
    ["unique violation", serverError("23505")],
    ["backend terminated", serverError("57P01", "FATAL")],
    ["connection lost", connectionError("CONNECTION_CLOSED")],
    ["connection refused", connectionError("ECONNREFUSED")],
    ["connect timeout", connectionError("CONNECT_TIMEOUT")],
    ["deadline", new DeadlinePassed("the op's deadline passed before COMMIT was sent")],
    ["BEGIN's connection closed", new ConnectionLost("the connection closed in the middle of the transaction")],
  ])("before COMMIT, %s is fail: the server rolled back", (_, error) => {
    const completion = unsuccessfulCompletion("before-commit", error);
    expect(completion.type).toBe("fail");
    expect(completion.error).toContain("COMMIT was never sent");
  });

  it.each([
    ["serialization failure", serverError("40001")],
    ["deadlock", serverError("40P01")],
    ["deferred constraint", serverError("23505")],
    ["ROLLBACK command tag", new RolledBack("COMMIT answered ROLLBACK")],
  ])("at COMMIT, %s is fail: the server reports the rollback", (_, error) => {
    const completion = unsuccessfulCompletion("commit", error);
    expect(completion.type).toBe("fail");
    expect(completion.error).toContain("rolled back");
  });

  it.each([
    ["connection lost", connectionError("CONNECTION_CLOSED")],
    ["connection destroyed", connectionError("CONNECTION_DESTROYED")],
    ["deadline", new DeadlinePassed("the op's deadline passed while COMMIT was in flight")],
    ["admin shutdown", serverError("57P01", "FATAL")],
    ["statement completion unknown", serverError("40003")],
  ])("at COMMIT, %s is info: it may have committed", (_, error) => {
    const completion = unsuccessfulCompletion("commit", error);
    expect(completion.type).toBe("info");
    expect(completion.error).toContain("may have committed");
  });

  it("names the SQLSTATE and what it means", () => {
    expect(unsuccessfulCompletion("before-commit", serverError("40001")).error).toMatch(/^serialization failure \(SQLSTATE 40001\): server said 40001/);
  });

  it("a refusal is fail with the client's reason, in any phase", () => {
    expect(unsuccessfulCompletion("before-commit", new Refusal("insufficient funds"))).toEqual({ type: "fail", answered: true, error: "insufficient funds" });
  });
});
