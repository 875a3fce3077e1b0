// Scenario stories (testdata/*.txt), in the style of etcd-io/raft's interaction tests: every
// command in a script is followed by the exact output it must produce. To accept a deliberate
// change of behaviour, regenerate the expected outputs and review the diff:
//   REWRITE=1 npx vitest run clusters/zab/core/scenarios.test.ts

import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ZabInteractionEnv } from "../../../test/support/zab-interaction.ts";

const directory = join(import.meta.dirname, "testdata");
const scripts = readdirSync(directory).filter((name) => name.endsWith(".txt")).sort();

function normalize(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trim())
    .join("\n")
    .trim();
}

describe("zab scenarios", () => {
  for (const name of scripts) {
    test(name.replace(/\.txt$/, ""), () => {
      const path = join(directory, name);
      const script = readFileSync(path, "utf8");
      const actual = normalize(new ZabInteractionEnv().run(script));
      if (process.env.REWRITE === "1") writeFileSync(path, `${actual}\n`);
      else expect(actual).toBe(normalize(script));
    });
  }
});

describe("scenario outcomes", () => {
  // The stories above pin every line; these pin the points of the stories that matter most, so
  // that a careless REWRITE cannot silently turn a safety demonstration into its opposite.
  const transcript = (name: string) => readFileSync(join(directory, name), "utf8");
  const bugScripts = ["skip-trunc.txt", "vote-ignores-zxid.txt", "commit-before-quorum.txt"];

  test("each sync mode happens where its story says", () => {
    expect(transcript("sync-diff.txt")).toContain('3->1 sync diff [1:2 "b", 1:3 "c"]');
    expect(transcript("sync-trunc.txt")).toContain("2->3 sync trunc to=1:1 []");
    expect(transcript("sync-trunc.txt")).toContain("3 truncates its log after 1:1");
    expect(transcript("sync-trunc-diff.txt")).toContain('2->3 sync trunc-diff to=1:1 [2:1 "d"]');
    expect(transcript("sync-snap.txt")).toContain('3->1 sync snap snapshot=1:3 [1:4 "d"]');
    expect(transcript("sync-snap.txt")).toContain("1 installs snapshot 1:3");
  });

  test("a proposal on a quorum survives its leader; ties go to the larger id", () => {
    expect(transcript("proposal-survives.txt")).toContain('1: 1:1 "a", 1:2 "b"\n2: 1:1 "a", 1:2 "b"');
    expect(transcript("election.txt")).toContain("3 is leading (discovery)");
    expect(transcript("discovery.txt")).toContain("3->1 leaderInfo epoch=3");
  });

  test("each bug switch breaks the guarantee its story is about", () => {
    expect(transcript("skip-trunc.txt")).toContain('VIOLATION total-order: server 3 delivers 1:2 "b" at position 2, where another server delivered 2:1 "d"');
    expect(transcript("vote-ignores-zxid.txt")).toContain("VIOLATION primary-integrity: server 3 establishes epoch 3 without 2:1, which was delivered");
    expect(transcript("commit-before-quorum.txt")).toContain('VIOLATION total-order: server 2 delivers 2:1 "b" at position 1, where another server delivered 1:1 "a"');
  });

  test("the healthy halves of the bug stories, and every other story, report no violation", () => {
    for (const name of scripts) {
      const text = transcript(name);
      const healthy = bugScripts.includes(name) ? text.slice(0, text.search(/> servers \d+ .*bugs=/)) : text;
      expect(healthy, name).not.toContain("VIOLATION");
    }
  });
});
