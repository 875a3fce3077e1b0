// The commands README.md shows, read from README.md itself, so that a README changed without its
// test fails (issue 10: every README example is run by a test). Each ```sh block is read; a line
// ending in a backslash continues on the next; what follows `  #` is the line's comment, which for
// an example says what it shows ("expect INVALID", "G-single", "linearizable"). Lines starting with
// `--` are flag fragments (the --nemesis syntax), not whole commands.
//
// FAULTLINE_README names another file to read instead (a proposed README, checked before it is
// pasted in).

import { chmodSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { REPO_ROOT, faultline } from "./cli.ts";
import type { Example } from "./readme-expectations.ts";

export interface ReadmeCommand {
  /** The command as written, continuations joined with one space, without its comment. */
  command: string;
  /** What the README says it shows (the text after `#`), or "". */
  comment: string;
  /** 1-based line in the README where it starts. */
  line: number;
}

export function readmePath(): string {
  return process.env.FAULTLINE_README ?? join(REPO_ROOT, "README.md");
}

/** Every command line of every ```sh block of the README, in order. */
export function readmeCommands(path = readmePath()): ReadmeCommand[] {
  const lines = readFileSync(path, "utf8").split("\n");
  const commands: ReadmeCommand[] = [];
  let inSh = false;
  let pending: { text: string; comment: string; line: number } | undefined;
  lines.forEach((raw, index) => {
    if (raw.startsWith("```")) {
      if (pending) throw new Error(`${path}:${pending.line}: a command ends in a backslash but its block ends`);
      inSh = !inSh && raw.trim() === "```sh";
      return;
    }
    if (!inSh) return;
    const { code, comment } = splitComment(raw);
    if (pending) {
      pending.text += ` ${code.trim()}`;
      if (comment) pending.comment = pending.comment ? `${pending.comment} ${comment}` : comment;
    } else {
      if (code.trim() === "") return;
      pending = { text: code.trim(), comment, line: index + 1 };
    }
    if (pending.text.endsWith("\\")) {
      pending.text = pending.text.slice(0, -1).trimEnd();
      return;
    }
    commands.push({ command: pending.text.replace(/\s+/g, " "), comment: pending.comment, line: pending.line });
    pending = undefined;
  });
  return commands;
}

/** `code  # comment` → both parts; a `#` inside a word (no space before it) is code. */
function splitComment(line: string): { code: string; comment: string } {
  const at = line.search(/\s#\s/);
  if (at < 0) return { code: line, comment: "" };
  return { code: line.slice(0, at), comment: line.slice(at).trim().replace(/^#\s*/, "") };
}

/** The faultline arguments of a README command: without `npm ci &&`, `sudo` and `npx faultline`.
 *  Undefined for a command that is not a faultline call. */
export function faultlineArgs(command: string): string[] | undefined {
  const words = command.replace(/^npm ci && /, "").split(" ");
  if (words[0] === "sudo") words.shift();
  if (words[0] !== "npx" || words[1] !== "faultline") return undefined;
  return words.slice(2);
}

/** Folders of the repository that README commands name relative to it. */
const LINKED = ["checkers", "suites"];

/** A fresh working folder for one README command, inside `scratch`: what it writes (./store, a
 *  JUnit file) lands there; the repository folders its arguments name are linked in. Enterable
 *  by others, for servers that run as their own user under a root harness (PostgreSQL). */
export function exampleFolder(scratch: string): string {
  const dir = mkdtempSync(join(scratch, "example-"));
  chmodSync(dir, 0o755);
  for (const name of LINKED) symlinkSync(join(REPO_ROOT, name), join(dir, name));
  return dir;
}

/** Runs a README faultline command as written (without `sudo`: tests that need root run as
 *  root) in a folder of its own, and asserts what `example` says it does. */
export async function runReadmeExample(command: string, example: Example, scratch: string): Promise<void> {
  const args = faultlineArgs(command);
  if (!args) throw new Error(`\`${command}\` is not a faultline command`);
  const cwd = exampleFolder(scratch);
  const result = await faultline(args, { cwd, timeoutMs: example.timeoutMs });
  expect(result.code, `${command}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(example.exitCode);
  for (const pattern of example.stdout ?? []) expect(result.stdout, command).toMatch(pattern);
  for (const pattern of example.stderr ?? []) expect(result.stderr, command).toMatch(pattern);
  for (const file of example.writes ?? []) expect(existsSync(join(cwd, file)), `${command} wrote no ${file}`).toBe(true);
}
