import { spawnSync, spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { currentOwner, formatOwner, ownerAlive, parseOwner, startTicksFromStat } from "./owner.ts";

describe("owner labels", () => {
  it("reads the start time past a command name with spaces and parentheses", () => {
    const stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 50";
    expect(startTicksFromStat(stat)).toBe("987654");
  });

  it("round-trips through the label format and rejects malformed labels", () => {
    const owner = { bootId: "b-1", pid: 77, startTicks: "123" };
    expect(parseOwner(formatOwner(owner))).toEqual(owner);
    expect(parseOwner(undefined)).toBeUndefined();
    expect(parseOwner("b-1/notapid/1")).toBeUndefined();
    expect(parseOwner("b-1/77")).toBeUndefined();
  });

  it("sees this process as alive and a finished one as dead", () => {
    expect(ownerAlive(currentOwner())).toBe(true);
    const child = spawnSync(process.execPath, ["-e", "0"]);
    const dead = parseOwner(currentOwner())!;
    expect(ownerAlive(formatOwner({ ...dead, pid: child.pid! }))).toBe(false);
  });

  it("treats a reused PID (other start time) and another boot as dead", async () => {
    const live = parseOwner(currentOwner())!;
    expect(ownerAlive(formatOwner({ ...live, startTicks: "1" }))).toBe(false);
    expect(ownerAlive(formatOwner({ ...live, bootId: "another-boot" }))).toBe(false);
    const sleeper = spawn("sleep", ["30"]);
    try {
      await new Promise((r) => sleeper.once("spawn", r));
      const label = formatOwner({ ...live, pid: sleeper.pid!, startTicks: startTicksOf(sleeper.pid!) });
      expect(ownerAlive(label)).toBe(true);
    } finally {
      sleeper.kill("SIGKILL");
    }
  });
});

function startTicksOf(pid: number): string {
  const stat = spawnSync("cat", [`/proc/${pid}/stat`]).stdout.toString();
  return startTicksFromStat(stat)!;
}
