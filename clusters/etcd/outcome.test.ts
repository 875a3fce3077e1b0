import { castGrpcError } from "etcd3";
import { describe, expect, it } from "vitest";
import { OpTimedOut } from "../client/timeout.ts";
import { etcdOutcome } from "./outcome.ts";

// Errors as grpc-js raises them (a plain Error with the status code and details), passed through
// etcd3's castGrpcError as every call's failure is, so the classes are the ones a run sees.
const grpcError = (code: number, details: string) => castGrpcError(Object.assign(new Error(`${code} ${details}`), { code, details }));

const write = { readOnly: false };
const read = { readOnly: true };

describe("etcd outcome by gRPC status", () => {
  it("a call gRPC could not send (UNAVAILABLE, no connection) did not happen", () => {
    expect(etcdOutcome(grpcError(14, "UNAVAILABLE: No connection established"), write, "n1")).toMatchObject({ type: "fail", error: expect.stringContaining("not sent: no connection to n1") });
  });

  it("etcd's own UNAVAILABLE (no leader) may follow a proposal: a write is info", () => {
    expect(etcdOutcome(grpcError(14, "UNAVAILABLE: etcdserver: no leader"), write, "n1")).toMatchObject({ type: "info" });
  });

  it("RESOURCE_EXHAUSTED is a refusal before proposing (unavailable, not answered)", () => {
    const completion = etcdOutcome(grpcError(8, "RESOURCE_EXHAUSTED: etcdserver: too many requests"), write, "n2");
    expect(completion).toMatchObject({ type: "fail" });
    expect(completion.answered).toBeUndefined();
  });

  it("INVALID_ARGUMENT is the member's answer about the request", () => {
    expect(etcdOutcome(grpcError(3, "INVALID_ARGUMENT: etcdserver: request is too large"), write, "n2")).toMatchObject({ type: "fail", answered: true });
  });

  it("a timeout leaves a write unknown and a read undone", () => {
    expect(etcdOutcome(grpcError(4, "DEADLINE_EXCEEDED: etcdserver: request timed out"), write, "n3")).toMatchObject({ type: "info" });
    expect(etcdOutcome(new OpTimedOut(), write, "n3")).toMatchObject({ type: "info" });
    expect(etcdOutcome(new OpTimedOut(), read, "n3")).toMatchObject({ type: "fail" });
  });
});
