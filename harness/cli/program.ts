// `faultline` — the command line (DESIGN §5). Exit codes as Jepsen's: 0 valid, 1 invalid,
// 2 unknown, 254 bad arguments, 255 the harness itself crashed.

import { Command, CommanderError, Help } from "commander";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT, UsageError } from "../errors.ts";
import { REPO_ROOT, RUNNING_COMPILED } from "../source-path.ts";

type Register = (program: Command) => void;

/** One subcommand. Its module is loaded only when the command line names it: a command's module
 *  pulls in what it runs (the runner, every system's client library), and `faultline --help` or
 *  `faultline check` must not pay for what they do not use. */
interface CommandEntry {
  name: string;
  /** How `faultline --help` lists it, as commander would from the full command (program.test.ts
   *  holds both to the command's own definition). */
  term: string;
  summary: string;
  load(): Promise<Register>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: "run", term: "run [options]", summary: "start a cluster, drive a workload while nemeses inject faults, check the history, write a report", load: async () => (await import("./commands/run.ts")).registerRunCommand },
  { name: "check", term: "check [options] <history>", summary: "check a recorded history against a workload's consistency model", load: async () => (await import("./commands/check.ts")).registerCheckCommand },
  { name: "report", term: "report [options] <run-dir>", summary: "re-render a run's report.html (checking its history first if the run never got that far)", load: async () => (await import("./commands/report.ts")).registerReportCommand },
  { name: "compare", term: "compare [options] <dirs...>", summary: "compare runs side by side: one self-contained page, systems × claims, the CAP picture", load: async () => (await import("./commands/compare.ts")).registerCompareCommand },
  { name: "suite", term: "suite [options] <suite-file>", summary: "run a matrix of systems × workloads × nemeses × seeds from a suite file, one run after another", load: async () => (await import("./commands/suite.ts")).registerSuiteCommand },
  { name: "serve", term: "serve [options]", summary: "browse the store in a web browser: runs, reports, suites, comparisons, and trends from a results database", load: async () => (await import("./commands/serve.ts")).registerServeCommand },
  { name: "up", term: "up [options]", summary: "start a cluster and keep it running until Ctrl-C; prints '<node> <host>:<client-port>' per node", load: async () => (await import("./commands/up.ts")).registerUpCommand },
  { name: "images", term: "images", summary: "Docker images for the docker runtime", load: async () => (await import("./commands/images.ts")).registerImagesCommand },
  { name: "list", term: "list [options]", summary: "list systems (with their claims, workloads, options and bug switches), workloads and nemeses", load: async () => (await import("./commands/list.ts")).registerListCommand },
  { name: "cleanup", term: "cleanup [options]", summary: "kill node processes and remove containers/networks that killed runs left behind", load: async () => (await import("./commands/cleanup.ts")).registerCleanupCommand },
  { name: "prune", term: "prune [options]", summary: "remove old runs from the store: keep the newest N per test and/or runs younger than an age; never the latest runs or one in progress", load: async () => (await import("./commands/prune.ts")).registerPruneCommand },
];

/** `faultline --version`: the package version, and which code runs — the compiled dist/ or the
 *  TypeScript sources (bin/faultline.js decides, and says why it did not take dist/). */
function versionText(): string {
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
  const because = process.env.FAULTLINE_SOURCES_BECAUSE;
  const code = RUNNING_COMPILED ? "compiled JavaScript (dist/)" : `TypeScript sources through tsx${because ? ` (${because})` : ""}`;
  return `faultline ${version} — ${code}; Node.js ${process.version}`;
}

/** The program for `argv`: the command it names loaded in full, the others listed by name. With
 *  `all`, every command in full (tests). */
export async function buildProgram(argv: readonly string[] = [], all = false): Promise<Command> {
  const program = new Command("faultline")
    .description("Jepsen-style chaos testing: start a cluster, break it, record every op, prove what held.")
    .version(versionText(), "-V, --version", "print the version and which code runs (compiled dist/ or the TypeScript sources)")
    .showSuggestionAfterError(true)
    .exitOverride();
  const terms = new Map<string, string>();
  const named = commandNamed(argv);
  // Every subcommand rejects unknown flags with a one-line error (commander's default for options).
  for (const entry of COMMANDS) {
    if (all || entry.name === named) (await entry.load())(program);
    else {
      program.command(entry.name).description(entry.summary);
      terms.set(entry.name, entry.term);
    }
  }
  const help = new Help();
  program.configureHelp({ subcommandTerm: (command) => terms.get(command.name()) ?? help.subcommandTerm(command) });
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** The subcommand `argv` runs (or asks help for: `help run`), if it names one. */
function commandNamed(argv: readonly string[]): string | undefined {
  const words = argv.filter((arg) => !arg.startsWith("-"));
  const first = words[0] === "help" ? words[1] : words[0];
  return COMMANDS.some((entry) => entry.name === first) ? first : undefined;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
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
