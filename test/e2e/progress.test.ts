// Progress through the real CLI (issue 10: `faultline run … | cat` must show progress). Off a
// terminal stderr is a pipe, so the run writes one plain line every 5 s naming the phase, its
// elapsed time against its limit, the client ops so far and the faults in force; on a terminal
// (a pseudo-terminal from util-linux's `script`) it is one line redrawn in place.

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { REPO_ROOT, faultline } from "../support/cli.ts";
import { missing } from "../support/installed.ts";

const store = mkdtempSync(join(tmpdir(), "faultline-progress-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

const LINE = /^faultline: progress: (setup|main|healing|recovery|final reads|teardown|checking|report) (\d+)s(?:\/(\d+)s)? · client ops (\d+) ok, (\d+) fail, (\d+) info · faults now: ([a-z,-]+) \((\d+) injected\)$/;

it("a run off a terminal writes a plain progress line every 5 s to stderr, none to stdout", async () => {
  // The main phase alone lasts 12 s, so at least two 5 s ticks fall in the run whatever the load.
  const result = await faultline(["run", "--system", "raft", "--time", "12", "--nemesis", "partition", "--nemesis-interval", "2", "--store", store], { timeoutMs: 120_000 });
  expect(result.code, result.stderr).toBe(0);
  const lines = result.stderr.split("\n").filter((line) => line.startsWith("faultline: progress: "));
  expect(lines.length, result.stderr).toBeGreaterThanOrEqual(2);
  const parsed = lines.map((line) => {
    const match = LINE.exec(line);
    expect(match, line).not.toBeNull();
    const [, phase, , limit, ok, fail, info, faults, injected] = match!;
    return { phase, limit, ops: Number(ok) + Number(fail) + Number(info), faults, injected: Number(injected) };
  });
  // The main phase shows its limit (--time); counts only grow.
  const main = parsed.filter((line) => line.phase === "main");
  expect(main.length, lines.join("\n")).toBeGreaterThanOrEqual(1);
  for (const line of main) expect(line.limit).toBe("12");
  for (let i = 1; i < parsed.length; i++) {
    expect(parsed[i].ops).toBeGreaterThanOrEqual(parsed[i - 1].ops);
    expect(parsed[i].injected).toBeGreaterThanOrEqual(parsed[i - 1].injected);
  }
  // Client ops counted as the summary counts them (its availability line), never more.
  const summary = /availability: .* \((\d+) ok, (\d+) fail, (\d+) info\)/.exec(result.stdout);
  expect(summary, result.stdout).not.toBeNull();
  const total = Number(summary![1]) + Number(summary![2]) + Number(summary![3]);
  expect(parsed.at(-1)!.ops).toBeGreaterThan(0);
  expect(parsed.at(-1)!.ops).toBeLessThanOrEqual(total);
  // Plain lines: no terminal control codes in a CI log, and stdout keeps only the summary.
  expect(result.stderr).not.toMatch(/[\r\x1b]/);
  expect(result.stdout).not.toContain("progress:");
});

const haveScript = existsSync("/usr/bin/script");

it.skipIf(missing(haveScript, "script (util-linux)", "apt-get install util-linux"))("on a terminal the progress is one line redrawn in place, with each phase and its limit", async () => {
  const command = `${process.execPath} bin/faultline.js run --system raft --nodes 3 --time 4 --store ${store}`;
  // script gives the run a pseudo-terminal for stdin, stdout and stderr and copies it all to ours.
  const output = await new Promise<string>((resolve, reject) =>
    execFile("/usr/bin/script", ["-qec", command, "/dev/null"], { cwd: REPO_ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => (err ? reject(new Error(`${err.message}\n${stdout}`)) : resolve(stdout))),
  );
  // Redrawn: carriage return and erase-line before each state, never a plain progress line.
  expect(output).toMatch(/\r\x1b\[Ksetup \d+s · client ops/);
  expect(output).toMatch(/\r\x1b\[Kmain \ds\/4s · client ops \d+ ok, \d+ fail, \d+ info · faults now: none \(0 injected\)/);
  expect(output).toMatch(/\r\x1b\[Kchecking \d+s\/120s · /);
  expect(output).not.toContain("faultline: progress: ");
  // The last state stays drawn and the summary starts on a line of its own.
  expect(output).toMatch(/\r\x1b\[Kreport \d+s · [^\r]*\r?\n[^\n]*raft × register/);
});
