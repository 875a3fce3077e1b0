// The postgres system's `--opt` options (YAML `options:` alike).

import { declareOptions } from "../options.ts";
import { DEFAULT_BINDIR } from "./binaries.ts";
import { DEFAULT_ISOLATION, ISOLATION_LEVELS } from "./isolation.ts";

export const postgresOptions = declareOptions("postgres", {
  isolation: {
    type: "choice",
    choices: ISOLATION_LEVELS,
    default: DEFAULT_ISOLATION,
    help: "the isolation level every client transaction runs at (PostgreSQL's default_transaction_isolation)",
  },
  bindir: { type: "directory", default: DEFAULT_BINDIR, help: "the directory holding initdb and postgres (pg_config --bindir)" },
  keepData: {
    type: "boolean",
    default: false,
    help: "keep the node's data directory (~40 MB) in the store after the run, e.g. to read its WAL with pg_waldump; the server log always stays",
  },
});
