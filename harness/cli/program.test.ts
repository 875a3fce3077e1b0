import { Help } from "commander";
import { describe, expect, it } from "vitest";
import { COMMANDS, buildProgram } from "./program.ts";

describe("the command table", () => {
  it("lists every command as its own definition does (name, usage term, description)", async () => {
    const program = await buildProgram([], true);
    const help = new Help();
    const actual = program.commands.map((command) => ({ name: command.name(), term: help.subcommandTerm(command), summary: command.description() }));
    expect(COMMANDS.map(({ name, term, summary }) => ({ name, term, summary }))).toEqual(actual);
  });

  it("loads only the command the line names", async () => {
    const program = await buildProgram(["prune", "--keep", "1"]);
    const prune = program.commands.find((command) => command.name() === "prune");
    const run = program.commands.find((command) => command.name() === "run");
    expect(prune?.options.map((option) => option.long)).toContain("--keep");
    expect(run?.options).toEqual([]);
  });
});
