import { describe, expect, it } from "vitest";
import { partitionNote } from "./partition-note.ts";

describe("partitionNote", () => {
  it("speaks only where another runtime would reach the system's peer traffic", () => {
    const etcd = { name: "etcd", runtimes: ["local", "docker"] as const, partitionsOn: ["docker"] as const };
    expect(partitionNote(etcd, "local")).toBe(
      "etcd: its nodes talk to each other on their real ports, which the local runtime's fault proxy does not see, so partitions and link faults do not reach them here; use --runtime docker for those",
    );
    expect(partitionNote(etcd, "docker")).toBeUndefined();
    expect(partitionNote({ name: "raft", runtimes: ["local", "docker"] }, "local")).toBeUndefined();
    expect(partitionNote({ name: "postgres", runtimes: ["local"], partitionsOn: [] }, "local")).toBeUndefined();
  });
});
