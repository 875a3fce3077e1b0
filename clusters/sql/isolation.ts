// The isolation levels a run of a SQL system can choose (--isolation, or --opt isolation=…): the three
// that PostgreSQL and MariaDB both name, and that Elle tells apart most often. What each level
// promises differs by product; each system's claimsFor says so, citing its documentation.

export const ISOLATION_LEVELS = ["read-committed", "repeatable-read", "serializable"] as const;

export type Isolation = (typeof ISOLATION_LEVELS)[number];

/** The SQL name of a level: `repeatable read`. */
export function isolationSql(isolation: Isolation): string {
  return isolation.replace("-", " ");
}
