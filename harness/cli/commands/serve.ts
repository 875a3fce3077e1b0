// `faultline serve [--store DIR] [--db URL] [--port 8080] [--host 127.0.0.1]` — browse the store:
// runs (filter by system, verdict, date), their reports, suites and their comparisons, and with a
// results database the trend of each system × claim across nights. Runs until Ctrl-C.

import type { Command } from "commander";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { startServer } from "../../../reports/serve/app.ts";
import { UsageError } from "../../errors.ts";
import { ResultsDb } from "../../run/results-db/results-db.ts";
import { DEFAULT_SPEC } from "../../spec/test-spec.ts";

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("browse the store in a web browser: runs, reports, suites, comparisons, and trends from a results database")
    .option("--store <dir>", "the store to serve", DEFAULT_SPEC.store)
    .option("--db <url>", "results database (postgres://…) for the trend pages")
    .option("--port <n>", "port to listen on (0 picks a free one)", "8080")
    .option("--host <address>", "address to bind; the default answers this machine only", "127.0.0.1")
    .action(async (opts: { store: string; db?: string; port: string; host: string }) => {
      const store = resolve(opts.store);
      if (!existsSync(store)) throw new UsageError(`--store ${opts.store}: no such folder; pass the folder your runs were written to (faultline run --store …)`);
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got "${opts.port}"`);
      let db: ResultsDb | undefined;
      if (opts.db) {
        try {
          db = new ResultsDb(opts.db, { warn: (line) => process.stderr.write(`${line}\n`) });
          await db.migrate();
        } catch (err) {
          await db?.close(0);
          throw new UsageError(`--db ${db?.describe() ?? opts.db}: ${(err as Error).message.split("\n")[0]}; start serve without --db to browse the store alone`);
        }
      }
      let started;
      try {
        started = await startServer({ store, trends: db, host: opts.host, port });
      } catch (err) {
        await db?.close(0);
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsageError(`cannot listen on ${opts.host}:${port} (${code ?? (err as Error).message})${code === "EADDRINUSE" ? "; pass --port with a free port, or --port 0" : ""}`);
      }
      process.stdout.write(`faultline serve: ${started.url} (store ${store}${db ? `, database ${db.describe()}` : ""}); Ctrl-C to stop\n`);
      await new Promise<void>((resolvePromise) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          started.server.close(() => resolvePromise());
          started.server.closeAllConnections();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      await db?.close(1000);
    });
}
