// Every command README.md shows is run by a test (issue 10), read from README.md itself: a command
// added to or changed in the README without an entry here fails this file, and so does an entry
// whose command the README no longer shows. The fast ones (checks of the shipped example
// histories, local Raft runs, `up`) run here, in `npm test`; the ones that need other servers
// (PostgreSQL, ZooKeeper, Docker) or minutes (the smoke suite) in
// test/systems/readme-examples.test.ts; templates and the nightly matrix are named in NOT_RUN with
// the test that covers them. Each asserts the exit code and the verdict the README's comment
// promises. FAULTLINE_README checks a proposed README.

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { catalog } from "../../harness/run/registry.ts";
import { buildSpec } from "../../harness/spec/build-spec.ts";
import { spawnFaultline } from "../support/cli.ts";
import { missing } from "../support/installed.ts";
import { exampleFolder, faultlineArgs, readmeCommands, readmePath, runReadmeExample } from "../support/readme-examples.ts";
import { FAST_EXAMPLES, NOT_RUN, SYSTEM_EXAMPLES } from "../support/readme-expectations.ts";

const scratch = mkdtempSync(join(tmpdir(), "faultline-readme-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const commands = readmeCommands();

describe(`the commands of ${readmePath()}`, () => {
  it("each has exactly one test: run here, in the systems tier, or named as not run and why", () => {
    const known = [...Object.keys(FAST_EXAMPLES), ...Object.keys(SYSTEM_EXAMPLES), ...Object.keys(NOT_RUN)];
    for (const { command, line } of commands) {
      if (command.startsWith("--")) continue; // flag fragments: checked below
      expect(known.filter((entry) => entry === command), `README line ${line}: \`${command}\` has no test; add it to test/support/readme-expectations.ts`).toHaveLength(1);
    }
    const shown = new Set(commands.map((c) => c.command));
    for (const entry of known) expect(shown.has(entry), `test/support/readme-expectations.ts tests \`${entry}\`, which the README no longer shows`).toBe(true);
  });

  it("each comment says what its test asserts (a changed comment needs a changed test)", () => {
    for (const { command, comment, line } of commands) {
      const example = FAST_EXAMPLES[command] ?? SYSTEM_EXAMPLES[command];
      if (example) expect(comment, `README line ${line}`).toBe(example.comment);
    }
  });

  it("each --nemesis fragment is accepted as written", () => {
    const fragments = commands.filter((c) => c.command.startsWith("--"));
    expect(fragments.length).toBeGreaterThan(0);
    for (const { command } of fragments) {
      const [flag, value, ...rest] = command.split(" ");
      expect([flag, rest], command).toEqual(["--nemesis", []]);
      const spec = buildSpec({}, { system: "raft", nemesis: value }, catalog());
      expect(spec.nemesis.length, command).toBeGreaterThan(0);
    }
  });
});

describe.sequential("README examples that run here", () => {
  for (const [command, example] of Object.entries(FAST_EXAMPLES)) {
    if (faultlineArgs(command)?.[0] === "up") continue;
    it.runIf(commands.some((c) => c.command === command))(command, () => runReadmeExample(command, example, scratch), example.timeoutMs + 10_000);
  }

  const up = Object.keys(FAST_EXAMPLES).find((command) => faultlineArgs(command)?.[0] === "up");
  const redisCliPath = ["/usr/bin/redis-cli", "/usr/local/bin/redis-cli"].find((path) => existsSync(path));
  describe.skipIf(!up || missing(redisCliPath !== undefined, "redis-cli", "apt-get install redis-tools"))("up", () => {
    it(`${up}, then redis-cli -p <port> SET k v on a node's port; Ctrl-C stops it`, async () => {
      const child = spawnFaultline(faultlineArgs(up!)!, { cwd: exampleFolder(scratch) });
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      try {
        // One '<node> <host>:<port>' line per node, then the cluster is up.
        const ports: string[] = [];
        for await (const line of createInterface({ input: child.stdout! })) {
          const match = /^n\d+ 127\.0\.0\.1:(\d+)$/.exec(line);
          expect(match, line).not.toBeNull();
          ports.push(match![1]);
          if (ports.length === 3) break;
        }
        expect(ports, stderr).toHaveLength(3);
        // Any node takes it: a follower passes the write to its leader or names it.
        const answers = await Promise.all(ports.map((port) => redisCli(redisCliPath!, ["-p", port, "SET", "k", "v"])));
        expect(answers.some((answer) => answer === "OK"), answers.join(" | ")).toBe(true);
      } finally {
        child.kill("SIGINT");
      }
      expect(await exited, stderr).toBe(130);
    }, 90_000);
  });
});

function redisCli(path: string, args: string[]): Promise<string> {
  return new Promise((resolve) => execFile(path, args, { timeout: 15_000 }, (err, stdout) => resolve(err ? `error: ${err.message}` : stdout.trim())));
}
