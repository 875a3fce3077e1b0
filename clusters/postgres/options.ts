// The system options of a postgres run (--opt name=value; YAML `options:`):
//
//   isolation  read-committed | repeatable-read | serializable (default); every client
//              transaction runs at this level
//   bindir     directory holding initdb and postgres (default /usr/lib/postgresql/15/bin)
//   keepData   true | false (default): keep the node's data directory (~40 MB) in the store after
//              the run, e.g. to read its WAL with pg_waldump; by default only the server log stays

import { DEFAULT_BINDIR } from "./binaries.ts";
import { DEFAULT_ISOLATION, type Isolation, ISOLATION_LEVELS } from "./isolation.ts";

export interface PostgresOptions {
  isolation: Isolation;
  bindir: string;
  keepData: boolean;
}

export function postgresOptions(options: Record<string, unknown>): PostgresOptions {
  return { isolation: isolationOf(options), bindir: bindirOf(options), keepData: keepDataOf(options) };
}

function isolationOf(options: Record<string, unknown>): Isolation {
  const value = options.isolation ?? DEFAULT_ISOLATION;
  if (typeof value === "string" && (ISOLATION_LEVELS as readonly string[]).includes(value)) return value as Isolation;
  throw new RangeError(`postgres: option isolation must be one of ${ISOLATION_LEVELS.join(", ")}, got ${JSON.stringify(value)}; pass e.g. --opt isolation=serializable`);
}

function bindirOf(options: Record<string, unknown>): string {
  const value = options.bindir ?? DEFAULT_BINDIR;
  if (typeof value !== "string" || value === "") throw new RangeError(`postgres: option bindir must be a directory path, got ${JSON.stringify(value)}`);
  return value;
}

function keepDataOf(options: Record<string, unknown>): boolean {
  // From the command line every option is a string.
  const value = options.keepData ?? false;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new RangeError(`postgres: option keepData must be true or false, got ${JSON.stringify(value)}`);
}
