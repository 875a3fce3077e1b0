// Issue 11: `faultline up --system zab` prints `<node> <host>:<port>` per node, and Debian's
// ZooKeeper command-line client (zkCli.sh, ZooKeeper's own Java client) runs create / ls / get /
// set / delete against our ensemble. Each command is one zkCli.sh process (a JVM start, about a
// second), all against the same server, so each reads what the one before wrote. Ctrl-C stops
// the ensemble.

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { spawnFaultline } from "../support/cli.ts";
import { missing } from "../support/installed.ts";

const ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh";
const scratch = mkdtempSync(join(tmpdir(), "faultline-zab-up-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** stdout and stderr of one zkCli.sh command (it prints its answers and its log to both). */
function zkCli(server: string, command: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(ZKCLI, ["-server", server, ...command], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code: unknown = error ? (error as { code?: unknown }).code : 0;
      resolve({ code: typeof code === "number" ? code : 255, output: `${stdout}\n${stderr}` });
    });
  });
}

describe.skipIf(missing(existsSync(ZKCLI), "zkCli.sh (Debian's ZooKeeper client)", "apt-get install zookeeper"))("faultline up --system zab with zkCli.sh", () => {
  it("prints a line per node; zkCli.sh creates, lists, reads, sets with a version and deletes; Ctrl-C stops it", async () => {
    const child = spawnFaultline(["up", "--system", "zab", "--store", scratch]);
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const servers: string[] = [];
      for await (const line of createInterface({ input: child.stdout! })) {
        const match = /^n\d+ (127\.0\.0\.1:\d+)$/.exec(line);
        expect(match, `${line}\n${stderr}`).not.toBeNull();
        servers.push(match![1]);
        if (servers.length === 3) break;
      }
      expect(servers, stderr).toHaveLength(3);
      const server = servers[1];
      const run = async (...command: string[]) => {
        const result = await zkCli(server, command);
        expect(result.code, `zkCli.sh ${command.join(" ")}:\n${result.output}`).toBe(0);
        return result.output;
      };
      await run("create", "/faultline-up", "first");
      expect(await run("ls", "/")).toMatch(/\[.*faultline-up.*\]/);
      expect(await run("get", "/faultline-up")).toMatch(/^first$/m);
      // Version 0 is the node's: the set takes it to version 1.
      await run("set", "-v", "0", "/faultline-up", "second");
      expect(await run("get", "-s", "/faultline-up")).toMatch(/^second$[\s\S]*^dataVersion = 1$/m);
      // A stale version is refused with ZooKeeper's own error.
      expect((await zkCli(server, ["set", "-v", "0", "/faultline-up", "third"])).output).toMatch(/version No is not valid|BadVersion/);
      await run("delete", "/faultline-up");
      expect(await run("ls", "/")).not.toMatch(/faultline-up/);
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited, stderr).toBe(130);
  }, 120_000);
});
