// PostgreSQL's isolation clause for the shared levels (clusters/sql/isolation.ts). PostgreSQL's
// repeatable read is snapshot isolation, so the three levels cover the models Elle tells apart
// most often.

import { type Isolation, isolationSql } from "../sql/isolation.ts";

export { ISOLATION_LEVELS, type Isolation } from "../sql/isolation.ts";

export const DEFAULT_ISOLATION: Isolation = "serializable";

/** What follows BEGIN: `isolation level repeatable read`. */
export function beginClause(isolation: Isolation): string {
  return `isolation level ${isolationSql(isolation)}`;
}
