// The isolation levels a run can choose (options.ts). PostgreSQL's repeatable read is snapshot
// isolation, so the three levels cover the models Elle tells apart most often.

export const ISOLATION_LEVELS = ["read-committed", "repeatable-read", "serializable"] as const;

export type Isolation = (typeof ISOLATION_LEVELS)[number];

export const DEFAULT_ISOLATION: Isolation = "serializable";

/** What follows BEGIN: `isolation level repeatable read`. */
export function beginClause(isolation: Isolation): string {
  return `isolation level ${isolation.replace("-", " ")}`;
}
