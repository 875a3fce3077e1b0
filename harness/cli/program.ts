// `faultline` — the command line (DESIGN §5). Exit codes as Jepsen's: 0 valid, 1 invalid,
// 2 unknown, 254 bad arguments, 255 the harness itself crashed.

import { Command, CommanderError } from "commander";
import { EXIT, UsageError } from "../errors.ts";
import { registerCheckCommand } from "./commands/check.ts";
import { registerCleanupCommand } from "./commands/cleanup.ts";
import { registerCompareCommand } from "./commands/compare.ts";
import { registerImagesCommand } from "./commands/images.ts";
import { registerListCommand } from "./commands/list.ts";
import { registerPruneCommand } from "./commands/prune.ts";
import { registerReportCommand } from "./commands/report.ts";
import { registerRunCommand } from "./commands/run.ts";
import { registerServeCommand } from "./commands/serve.ts";
import { registerSuiteCommand } from "./commands/suite.ts";
import { registerUpCommand } from "./commands/up.ts";

export function buildProgram(): Command {
  const program = new Command("faultline")
    .description("Jepsen-style chaos testing: start a cluster, break it, record every op, prove what held.")
    .showSuggestionAfterError(true)
    .exitOverride();
  // Every subcommand rejects unknown flags with a one-line error (commander's default for options).
  registerRunCommand(program);
  registerCheckCommand(program);
  registerReportCommand(program);
  registerCompareCommand(program);
  registerSuiteCommand(program);
  registerServeCommand(program);
  registerUpCommand(program);
  registerImagesCommand(program);
  registerListCommand(program);
  registerCleanupCommand(program);
  registerPruneCommand(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return process.exitCode === undefined ? EXIT.valid : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; everything else commander rejects is a bad argument.
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return EXIT.valid;
      return EXIT.badArguments;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`faultline: ${err.message}\n`);
      return EXIT.badArguments;
    }
    process.stderr.write(`faultline: crashed: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.crashed;
  }
}
