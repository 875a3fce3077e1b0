// PostgreSQL's SQL for the shared planners (clusters/sql/dialect.ts): numbered placeholders with
// casts, upserts by ON CONFLICT, a list as an int[] column read back as JSON.

import type { SqlDialect } from "../sql/dialect.ts";

export const postgresDialect: SqlDialect = {
  schema: [
    "create table if not exists lists (k int primary key, v int[] not null)",
    "create table if not exists registers (k int primary key, v int)",
    "create table if not exists accounts (id int primary key, balance int not null)",
    "create table if not exists elements (e int primary key)",
  ],
  insertAccount: "insert into accounts (id, balance) values ($1::int, $2::int) on conflict (id) do nothing",
  append: "insert into lists (k, v) values ($1::int, array[$2::int]) on conflict (k) do update set v = lists.v || excluded.v",
  readList: "select to_json(v) as v from lists where k = $1::int",
  decodeList: (value) => (Array.isArray(value) ? (value as number[]) : undefined),
  writeRegister: "insert into registers (k, v) values ($1::int, $2::int) on conflict (k) do update set v = excluded.v",
  readRegister: "select v from registers where k = $1::int",
  casRegister: "update registers set v = $1::int where k = $2::int and v = $3::int",
  balance: "select balance from accounts where id = $1::int",
  setBalance: "update accounts set balance = $1::int where id = $2::int",
  readAccounts: "select id, balance from accounts order by id",
  addElement: "insert into elements (e) values ($1::int)",
  readElements: "select e from elements order by e",
};
