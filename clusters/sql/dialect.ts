// The SQL of one database, for the planners in this folder: the same tables and the same statements,
// written in each product's syntax. Every difference between PostgreSQL and MariaDB that the
// workloads meet is here, as data: placeholders ($1::int or ?), upserts (ON CONFLICT or ON
// DUPLICATE KEY), and how a list is stored (an int[] column or comma-separated text).
//
// Tables, created at setup (setup does not know which workload will run, so it makes them all;
// they cost nothing empty):
//   lists(k, v)            list-append: one row per key, the whole list in order
//   registers(k, v)        rw-register and register: one row per key
//   accounts(id, balance)  bank: one row per account, filled with the starting balances
//   elements(e)            set: one row per element added

export interface SqlDialect {
  /** Statements that create the tables; each idempotent. */
  schema: readonly string[];
  /** Inserts account (id, balance) unless it exists: params [id, balance]. */
  insertAccount: string;

  /** Appends x to key k's list, creating the row: params [k, x]. */
  append: string;
  /** Key k's list: params [k]; one row with column v, or none. */
  readList: string;
  /** The list in a row's v column, as the driver returns it. */
  decodeList(value: unknown): number[] | undefined;

  /** Sets register k to x, creating the row: params [k, x]. */
  writeRegister: string;
  /** Register k: params [k]; one row with column v, or none. */
  readRegister: string;
  /** Sets register k to `to` where it holds `from`: params [to, k, from]; affects one row or none. */
  casRegister: string;

  /** Account id's balance: params [id]; column balance. */
  balance: string;
  /** Sets account id's balance: params [balance, id]. */
  setBalance: string;
  /** Every account: columns id, balance. */
  readAccounts: string;

  /** Adds element e: params [e]. */
  addElement: string;
  /** Every element: column e. */
  readElements: string;
}
