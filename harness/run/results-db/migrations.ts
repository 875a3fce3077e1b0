// The results database's schema, as numbered migrations. Applied in order inside one transaction
// that holds an advisory lock, so two shards starting at once apply each migration exactly once;
// faultline_migrations says which are in. Re-running is a no-op. A migration is never edited once
// shipped: change the schema by appending one.

import type postgres from "postgres";

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: "runs and claims",
    sql: `
create table faultline_runs (
  id bigserial primary key,
  -- "<test>/<timestamp>" under the store, and when the run began: together they name one run
  run_path text not null,
  started_at timestamptz not null,
  store text not null,
  test_name text not null,
  system text not null,
  workload text not null,
  nemesis text not null,
  runtime text not null,
  nodes integer not null,
  seed bigint not null,
  bugs text[] not null default '{}',
  spec jsonb not null,
  valid text not null check (valid in ('true', 'false', 'unknown')),
  unknown_because text[] not null default '{}',
  interrupted boolean not null default false,
  crashed boolean not null default false,
  suite text,
  suite_dir text,
  suite_cell text,
  client_ops integer,
  ok_ops integer,
  fail_ops integer,
  info_ops integer,
  availability double precision,
  majority_availability double precision,
  majority_ops integer,
  minority_availability double precision,
  minority_ops integer,
  lost_writes integer,
  acknowledged_writes integer,
  stale_reads integer,
  non_linearizable_keys integer,
  anomalies jsonb not null default '{}',
  p99_ms double precision,
  failover_s double precision,
  recorded_at timestamptz not null default now(),
  unique (run_path, started_at)
);
create index faultline_runs_system_started on faultline_runs (system, started_at);
create table faultline_claims (
  run_id bigint not null references faultline_runs (id) on delete cascade,
  position integer not null,
  claim text not null,
  claimed boolean not null,
  verdict text not null,
  decided_by text not null,
  evidence text not null,
  primary key (run_id, position)
);
create index faultline_claims_claim on faultline_claims (claim);
`,
  },
];

/** Applies the migrations not yet applied; returns the ids it applied. */
export async function migrate(sql: postgres.Sql): Promise<number[]> {
  return sql.begin(async (tx) => {
    // Any constant key: it only serialises Faultline's own migrators.
    await tx.unsafe("select pg_advisory_xact_lock(7291536204)");
    await tx.unsafe("create table if not exists faultline_migrations (id integer primary key, name text not null, applied_at timestamptz not null default now())");
    const rows = await tx.unsafe<{ id: number }[]>("select id from faultline_migrations");
    const applied = new Set(rows.map((row) => Number(row.id)));
    const done: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.id)) continue;
      await tx.unsafe(migration.sql);
      await tx.unsafe("insert into faultline_migrations (id, name) values ($1, $2)", [migration.id, migration.name]);
      done.push(migration.id);
    }
    return done;
  });
}
