// Where the PostgreSQL server programs are. Debian's postgresql-15 package puts them outside PATH
// (pg_wrapper fronts only the client programs), so the directory is named, not searched for.

import { accessSync, constants } from "node:fs";
import { join } from "node:path";

export const DEFAULT_BINDIR = "/usr/lib/postgresql/15/bin";

export interface Binaries {
  initdb: string;
  postgres: string;
}

export function binariesIn(bindir: string): Binaries {
  return { initdb: join(bindir, "initdb"), postgres: join(bindir, "postgres") };
}

/** The programs of `bindir` that are missing or not executable; empty when all are there. */
export function missingBinaries(bindir: string): string[] {
  return Object.values(binariesIn(bindir)).filter((path) => {
    try {
      accessSync(path, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/** Throws, saying how to install them, unless the server programs are in `bindir`. */
export function requireBinaries(bindir: string): Binaries {
  const missing = missingBinaries(bindir);
  if (missing.length > 0) {
    throw new Error(`postgres: ${missing.join(" and ")} not found or not executable; run scripts/install-postgres.sh (installs Debian's postgresql-15) or pass --opt bindir=DIR with the server binaries`);
  }
  return binariesIn(bindir);
}
