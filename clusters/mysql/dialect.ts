// MariaDB's SQL for the shared planners (clusters/sql/dialect.ts): ? placeholders, upserts by ON
// DUPLICATE KEY UPDATE, a list as comma-separated text (MariaDB has no array type). Every table is
// InnoDB: Galera replicates nothing else, and only InnoDB has transactions.

import type { SqlDialect } from "../sql/dialect.ts";

function decodeList(value: unknown): number[] | undefined {
  if (typeof value !== "string") return undefined;
  if (value === "") return [];
  const list = value.split(",").map(Number);
  return list.every(Number.isInteger) ? list : undefined;
}

export const mysqlDialect: SqlDialect = {
  schema: [
    "create table if not exists lists (k int primary key, v text not null) engine=InnoDB",
    "create table if not exists registers (k int primary key, v int) engine=InnoDB",
    "create table if not exists accounts (id int primary key, balance int not null) engine=InnoDB",
    "create table if not exists elements (e int primary key) engine=InnoDB",
  ],
  insertAccount: "insert ignore into accounts (id, balance) values (?, ?)",
  append: "insert into lists (k, v) values (?, ?) on duplicate key update v = concat(v, ',', value(v))",
  readList: "select v from lists where k = ?",
  decodeList,
  writeRegister: "insert into registers (k, v) values (?, ?) on duplicate key update v = value(v)",
  readRegister: "select v from registers where k = ?",
  casRegister: "update registers set v = ? where k = ? and v = ?",
  balance: "select balance from accounts where id = ?",
  setBalance: "update accounts set balance = ? where id = ?",
  readAccounts: "select id, balance from accounts order by id",
  addElement: "insert into elements (e) values (?)",
  readElements: "select e from elements order by e",
};
