// Entry point of one ZAB server: `node --import tsx clusters/zab/main.ts --name n1 …` (see args.ts
// for every flag). Logs go to stdout with timestamps; the runtime collects them.

import { parseServerArguments } from "./args.ts";
import { ZabNode } from "./node.ts";

let config;
try {
  config = parseServerArguments(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}

const name = config.name;
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} [${name}] ${line}\n`);
const fatal = (error: Error) => {
  log(`FATAL: ${error.stack ?? error.message}`);
  process.exit(1);
};
process.on("uncaughtException", fatal);
process.on("unhandledRejection", (reason) => fatal(reason instanceof Error ? reason : new Error(String(reason))));

const node = await ZabNode.start(config, log, fatal).catch((error: Error) => {
  fatal(error);
  throw error;
});

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
