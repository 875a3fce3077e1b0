// Scenario stories (testdata/*.txt), in the style of etcd-io/raft's interaction tests: every
// command in a script is followed by the exact output it must produce. To accept a deliberate
// change of behaviour, regenerate the expected outputs and review the diff:
//   REWRITE=1 npx vitest run clusters/raft/core/scenarios.test.ts

import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { InteractionEnv } from "../../../test/support/raft-interaction.ts";

const directory = join(import.meta.dirname, "testdata");
const scripts = readdirSync(directory).filter((name) => name.endsWith(".txt")).sort();

function normalize(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trim())
    .join("\n")
    .trim();
}

describe("raft scenarios", () => {
  test("there are scenario scripts", () => {
    expect(scripts.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of scripts) {
    test(name.replace(/\.txt$/, ""), () => {
      const path = join(directory, name);
      const script = readFileSync(path, "utf8");
      const actual = normalize(new InteractionEnv().run(script));
      if (process.env.REWRITE === "1") writeFileSync(path, `${actual}\n`);
      else expect(actual).toBe(normalize(script));
    });
  }
});

describe("scenario outcomes", () => {
  // The stories above pin every line; these pin the points of the stories that matter most, so
  // that a careless REWRITE cannot silently turn a safety demonstration into its opposite.
  const transcript = (name: string) => readFileSync(join(directory, name), "utf8");

  test("Figure 8: with the commit rule no violation, with commitOldTerm a lost committed entry", () => {
    expect(transcript("figure8.txt")).not.toContain("VIOLATION");
    expect(transcript("figure8.txt")).toContain("1: leader term=3 vote=1 leader=1 commit=1");
    expect(transcript("figure8-commit-old-term.txt")).toContain("VIOLATION leader-completeness: node 5 leads term 4 without committed entry 2 (1:x)");
  });

  test("vote-without-log-check elects a leader that lacks a committed entry", () => {
    const text = transcript("vote-without-log-check.txt");
    expect(text).toContain("2->3 requestVoteResponse term=2 rejected");
    expect(text).toContain("VIOLATION leader-completeness: node 3 leads term 2 without committed entry 2 (1:x)");
  });

  test("only the bug scripts report violations", () => {
    for (const name of scripts) {
      if (name === "figure8-commit-old-term.txt" || name === "vote-without-log-check.txt") continue;
      expect(transcript(name), name).not.toContain("VIOLATION");
    }
  });
});
