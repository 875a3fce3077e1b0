// The tables every workload's client uses, created once at setup (setup does not know which
// workload will run, so it makes them all; they cost nothing empty).
//
//   lists(k, v int[])          list-append: one row per key, the whole list in order
//   registers(k, v)            rw-register: one row per key
//   accounts(id, balance)      bank: one row per account, filled with the starting balances
//
// Plain statements, not sql.begin (see transaction.ts for why); each is idempotent, so a setup
// that failed halfway can simply be run again.

import type { Sql } from "./connection.ts";

export const SCHEMA = [
  "create table if not exists lists (k int primary key, v int[] not null)",
  "create table if not exists registers (k int primary key, v int)",
  "create table if not exists accounts (id int primary key, balance int not null)",
];

/** Creates the tables and puts the bank's starting balances in; an account that exists already
 *  keeps its balance. */
export async function createSchema(sql: Sql, balances: Record<string, number>): Promise<void> {
  for (const statement of SCHEMA) await sql.unsafe(statement);
  for (const [account, balance] of Object.entries(balances)) {
    await sql.unsafe("insert into accounts (id, balance) values ($1::int, $2::int) on conflict (id) do nothing", [Number(account), balance]);
  }
}
