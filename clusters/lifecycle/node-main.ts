// The process around one of our own nodes (raft, zab, twopc, quorum): parse the arguments, log to
// stdout with timestamps (the runtime collects it), treat an uncaught error as fatal (also on
// stderr, which the runtime quotes when a node dies while starting), stop cleanly on SIGTERM.

export interface RunningNode {
  stop(): Promise<void>;
}

export async function runNode<Config extends { name: string }>(
  parse: (argv: readonly string[]) => Config,
  start: (config: Config, log: (line: string) => void, fatal: (error: Error) => void) => Promise<RunningNode>,
): Promise<void> {
  let config: Config;
  try {
    config = parse(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const name = config.name;
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} [${name}] ${line}\n`);
  const fatal = (error: Error) => {
    log(`FATAL: ${error.stack ?? error.message}`);
    process.stderr.write(`[${name}] FATAL: ${error.message}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", (reason) => fatal(reason instanceof Error ? reason : new Error(String(reason))));
  let node: RunningNode;
  try {
    node = await start(config, log, fatal);
  } catch (error) {
    fatal(error instanceof Error ? error : new Error(String(error)));
    return;
  }
  let stopping = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log(`received ${signal}; stopping`);
      node.stop().then(
        () => process.exit(0),
        (error: Error) => fatal(error),
      );
    });
  }
}
