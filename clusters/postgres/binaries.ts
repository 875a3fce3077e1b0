// Where the PostgreSQL server programs are. Debian's postgresql-15 package puts them outside PATH
// (pg_wrapper fronts only the client programs), so the directory is named, not searched for.

import { join } from "node:path";

export const DEFAULT_BINDIR = "/usr/lib/postgresql/15/bin";

export interface Binaries {
  initdb: string;
  postgres: string;
}

export function binariesIn(bindir: string): Binaries {
  return { initdb: join(bindir, "initdb"), postgres: join(bindir, "postgres") };
}
