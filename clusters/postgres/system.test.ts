// A real PostgreSQL server under the local runtime: each workload's client against it, a forced
// serialization failure, the COMMIT line of the error mapping, kill + restart, pause, teardown.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Completion, Invocation } from "../../harness/op.ts";
import { Rng } from "../../harness/rng.ts";
import { LocalRuntime } from "../runtime/local/local-runtime.ts";
import { isAlive } from "../runtime/local/proc.ts";
import type { ClusterContext } from "../system.ts";
import type { Client } from "../../harness/interpreter/client.ts";
import { missingRequirements } from "../lifecycle/preflight.ts";
import { closeSql, Connection, type Endpoint, openSql, type Sql } from "./connection.ts";
import { unsuccessfulCompletion } from "./outcome.ts";
import { serverProcesses } from "./server-processes.ts";
import { postgresSystem } from "./system.ts";
import { runTransaction } from "./transaction.ts";

const missing = missingRequirements(postgresSystem, {}).map((requirement) => requirement.program);
if (missing.length > 0) {
  console.warn(`skipping the postgres system tests: ${missing.join(", ")} missing; run scripts/install-postgres.sh to install postgresql-15`);
}

const NODE = "n1";
const txn = (value: unknown[]): Invocation => ({ process: 0, f: "txn", value });
const noDeadline = () => new AbortController().signal;

/** Holds row locks on `keys` in an open read-committed transaction until released; releasing
 *  rolls it back, so it leaves no trace another transaction could conflict with. */
async function lockRows(endpoint: Endpoint, keys: number[]): Promise<{ release(): Promise<void>; abandon(): Promise<void> }> {
  const holder = new Connection(endpoint, "faultline-test-lock");
  await holder.sql.unsafe("begin isolation level read committed");
  await holder.sql.unsafe(`update registers set v = v where k in (${keys.join(", ")})`);
  return {
    async release() {
      await holder.sql.unsafe("rollback");
      await holder.close();
    },
    /** After the server died: the transaction died with it, only the client side is left. */
    abandon: () => holder.close(),
  };
}

/** Waits until `count` backends of `applicationPrefix` clients wait for a lock. */
async function waitForLockWaiters(sql: Sql, applicationPrefix: string, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const [{ waiting }] = await sql.unsafe("select count(*)::int as waiting from pg_stat_activity where wait_event_type = 'Lock' and application_name like $1", [`${applicationPrefix}%`]);
    if (waiting >= count) return;
    await sleep(20);
  }
  throw new Error(`fewer than ${count} ${applicationPrefix} backends waited for a lock within 10 s`);
}

function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}

/** Waits until process `pid` is in `wanted` state, or gone. */
async function waitForState(pid: number, wanted: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (let state = processState(pid); state !== wanted && state !== undefined; state = processState(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} did not reach state ${wanted} within 5 s (it is ${state})`);
    await sleep(5);
  }
}

describe.skipIf(missing.length > 0)("postgres on the local runtime", () => {
  let dir: string;
  let runtime: LocalRuntime;
  let ctx: ClusterContext;
  let admin: Sql;
  const clients: Client[] = [];
  const log: string[] = [];

  const dataDir = () => join(runtime.node(NODE).dataDir, "pgdata");
  const endpoint = () => ({ host: "127.0.0.1", port: runtime.node(NODE).clientPort });
  async function client(workload: string, isolation = "serializable"): Promise<Client> {
    const opened = await postgresSystem.clients[workload]({ ...ctx, options: { ...ctx.options, isolation } }, NODE);
    clients.push(opened);
    return opened;
  }
  async function registerValue(key: number): Promise<number | null> {
    const rows = await admin.unsafe("select v from registers where k = $1::int", [key]);
    return rows.length === 0 ? null : (rows[0].v as number);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "faultline-postgres-"));
    // A root harness runs the server as the postgres user, which must be able to enter the run's
    // directory; mkdtemp makes it 0700.
    chmodSync(dir, 0o755);
    runtime = await LocalRuntime.create({ nodes: [NODE], dir: join(dir, "nodes"), seed: 1 });
    ctx = { runtime, nodes: [NODE], bugs: [], options: { isolation: "serializable" }, rng: new Rng(1), log: (line) => log.push(line) };
    await postgresSystem.setup(ctx);
    admin = openSql(endpoint(), "faultline-test-admin");
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    if (admin) await closeSql(admin);
    if (ctx) await postgresSystem.teardown(ctx);
    if (runtime) await runtime.teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it("refuses more than one node, naming the fix", async () => {
    await expect(postgresSystem.setup({ ...ctx, nodes: ["n1", "n2"] })).rejects.toThrow(/runs one server.*--nodes 1/);
  });

  it("list-append: appends are read back in order, an unwritten key reads as []", async () => {
    const c = await client("list-append");
    const first = await c.invoke(txn([["append", 1, 1], ["append", 1, 2], ["r", 1, null], ["r", 2, null]]), noDeadline());
    expect(first).toEqual({ type: "ok", node: NODE, value: [["append", 1, 1], ["append", 1, 2], ["r", 1, [1, 2]], ["r", 2, []]] });
    const second = await c.invoke(txn([["append", 2, 7], ["r", 1, null], ["r", 2, null]]), noDeadline());
    expect(second.value).toEqual([["append", 2, 7], ["r", 1, [1, 2]], ["r", 2, [7]]]);
  });

  it("fails a malformed op without sending it", async () => {
    const c = await client("list-append");
    const completion = await c.invoke(txn([["w", 1, 3]]), noDeadline());
    expect(completion.type).toBe("fail");
    expect(completion.error).toMatch(/f must be "r" or "append"/);
  });

  it("rw-register: a write is read back, an unwritten key reads null", async () => {
    const c = await client("rw-register");
    const completion = await c.invoke(txn([["w", 5, 10], ["r", 5, null], ["r", 6, null]]), noDeadline());
    expect(completion).toEqual({ type: "ok", node: NODE, value: [["w", 5, 10], ["r", 5, 10], ["r", 6, null]] });
  });

  it("bank: transfers conserve the total and an overdraft is refused with fail", async () => {
    const c = await client("bank");
    const read = async () => {
      const completion = await c.invoke({ process: 0, f: "read", value: null }, noDeadline());
      expect(completion.type).toBe("ok");
      return completion.value as Record<string, number>;
    };
    const before = await read();
    expect(Object.keys(before)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
    expect(Object.values(before).reduce((a, b) => a + b, 0)).toBe(100);

    const transfer = { from: 0, to: 1, amount: 5 };
    expect(await c.invoke({ process: 0, f: "transfer", value: transfer }, noDeadline())).toEqual({ type: "ok", node: NODE });
    const refused = await c.invoke({ process: 0, f: "transfer", value: { from: 2, to: 3, amount: 1000 } }, noDeadline());
    expect(refused.type).toBe("fail");
    expect(refused.error).toMatch(/insufficient funds: account 2 holds 12/);

    const after = await read();
    expect(after["0"]).toBe(before["0"] - 5);
    expect(after["1"]).toBe(before["1"] + 5);
    expect(after["2"]).toBe(before["2"]);
    expect(Object.values(after).reduce((a, b) => a + b, 0)).toBe(100);
  });

  /** Two transactions that each read keys a and b and write one of them, held at their writes by
   *  a row lock until both have read: a write skew. */
  async function writeSkew(isolation: string, a: number, b: number): Promise<Completion[]> {
    await admin.unsafe("insert into registers (k, v) values ($1::int, 0), ($2::int, 0)", [a, b]);
    const lock = await lockRows(endpoint(), [a, b]);
    const [one, two] = [await client("rw-register", isolation), await client("rw-register", isolation)];
    const pending = [
      one.invoke(txn([["r", a, null], ["r", b, null], ["w", a, 1]]), noDeadline()),
      two.invoke(txn([["r", a, null], ["r", b, null], ["w", b, 2]]), noDeadline()),
    ];
    const waiter = openSql(endpoint(), "faultline-test-waiter");
    try {
      await waitForLockWaiters(waiter, "faultline-rw-register", 2);
    } finally {
      await closeSql(waiter);
    }
    await lock.release();
    return Promise.all(pending);
  }

  it("serializable: of two transactions in a write skew, one fails with a serialization failure", async () => {
    const completions = await writeSkew("serializable", 10, 11);
    expect(completions.map((c) => c.type).sort()).toEqual(["fail", "ok"]);
    expect(completions.find((c) => c.type === "fail")!.error).toMatch(/serialization failure \(SQLSTATE 40001\)/);
  });

  it("repeatable read (snapshot isolation) lets the same write skew commit", async () => {
    const completions = await writeSkew("repeatable-read", 20, 21);
    expect(completions.map((c) => c.type)).toEqual(["ok", "ok"]);
    expect([await registerValue(20), await registerValue(21)]).toEqual([1, 2]);
  });

  it("a connection lost before COMMIT is fail, and the write never appears", async () => {
    await admin.unsafe("insert into registers (k, v) values (30, 0)");
    const lock = await lockRows(endpoint(), [30]);
    const c = await client("rw-register");
    const pending = c.invoke(txn([["w", 30, 99]]), noDeadline());
    const waiter = openSql(endpoint(), "faultline-test-waiter");
    try {
      await waitForLockWaiters(waiter, "faultline-rw-register", 1);
    } finally {
      await closeSql(waiter);
    }
    const before = serverProcesses(dataDir());
    await runtime.kill(NODE, "SIGKILL");
    const completion = await pending;
    expect(completion.type).toBe("fail");
    expect(completion.error).toMatch(/COMMIT was never sent/);
    await lock.abandon();

    await postgresSystem.restartNode(ctx, NODE);
    // The killed server's backends died with it (the signal mirror), or the restart could not
    // have reused its shared memory.
    expect(before.filter(isAlive)).toEqual([]);
    await closeSql(admin);
    admin = openSql(endpoint(), "faultline-test-admin");
    expect(await registerValue(30)).toBe(0);
  });

  it("committed data survives SIGKILL and restartNode (WAL recovery)", async () => {
    const c = await client("list-append");
    expect((await c.invoke(txn([["append", 40, 1], ["append", 40, 2]]), noDeadline())).type).toBe("ok");
    await runtime.kill(NODE, "SIGKILL");
    const down = await c.invoke(txn([["r", 40, null]]), noDeadline());
    expect(down.type).toBe("fail");
    await postgresSystem.restartNode(ctx, NODE);
    const read = await c.invoke(txn([["r", 40, null], ["r", 1, null], ["r", 2, null]]), noDeadline());
    expect(read).toEqual({ type: "ok", node: NODE, value: [["r", 40, [1, 2]], ["r", 1, [1, 2]], ["r", 2, [7]]] });
    await closeSql(admin);
    admin = openSql(endpoint(), "faultline-test-admin");
  }, 30_000);

  it("pause freezes open connections: an op times out before COMMIT (fail) and never takes effect", async () => {
    const c = await client("rw-register");
    expect((await c.invoke(txn([["w", 50, 1]]), noDeadline())).type).toBe("ok");
    await runtime.pause(NODE);
    try {
      // The signal mirror stops the backends a few milliseconds after the postmaster.
      for (const pid of serverProcesses(dataDir())) await waitForState(pid, "T");
      const completion = await c.invoke(txn([["w", 50, 2]]), AbortSignal.timeout(500));
      expect(completion.type).toBe("fail");
      expect(completion.error).toMatch(/deadline passed before COMMIT was sent/);
    } finally {
      await runtime.resume(NODE);
    }
    expect(await registerValue(50)).toBe(1);
    expect((await c.invoke(txn([["r", 50, null]]), noDeadline())).value).toEqual([["r", 50, 1]]);
  });

  it("a deadline while COMMIT is in flight is info, and the transaction may indeed have committed", async () => {
    const connection = new Connection(endpoint(), "faultline-test-commit");
    const abort = new AbortController();
    const result = await runTransaction(
      connection,
      "serializable",
      async (statement) => {
        await statement("insert into registers (k, v) values (60, 6)");
        const [{ pid }] = (await statement("select pg_backend_pid() as pid")).rows;
        await runtime.pause(NODE);
        // The signal mirror stops the backend a few milliseconds after the postmaster.
        await waitForState(pid as number, "T");
        setTimeout(() => abort.abort(), 300);
      },
      abort.signal,
    );
    await connection.close();
    await runtime.resume(NODE);
    expect(result.committed).toBe(false);
    if (result.committed) return;
    expect(result.phase).toBe("commit");
    expect(unsuccessfulCompletion(result.phase, result.error).type).toBe("info");
    // The COMMIT was in the socket when the client gave up; the resumed backend carries it out.
    const deadline = Date.now() + 5000;
    while ((await registerValue(60)) === null && Date.now() < deadline) await sleep(20);
    expect(await registerValue(60)).toBe(6);
  });

  it("teardown stops the server and every backend, and removes the data directory", async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    const pids = serverProcesses(dataDir());
    const postmaster = runtime.pid(NODE);
    expect(postmaster).toBeDefined();
    expect(pids).toContain(postmaster);
    expect(pids.length).toBeGreaterThan(1);
    await closeSql(admin);
    await postgresSystem.teardown(ctx);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(runtime.state(NODE)).toBe("stopped");
    expect(existsSync(dataDir())).toBe(false);
    expect(readFileSync(join(runtime.node(NODE).dataDir, "stderr.log"), "utf8")).toMatch(/database system is shut down/);
    expect(log.join("\n")).toMatch(/postgres n1: ready/);
  });
});

describe.skipIf(missing.length > 0 || process.getuid?.() !== 0)("postgres as root in a directory the postgres user cannot enter", () => {
  it("setup says which directory and what to do", async () => {
    // mkdtemp makes the directory 0700, as a root user's home or temp directory often is.
    const dir = mkdtempSync(join(tmpdir(), "faultline-postgres-closed-"));
    const runtime = await LocalRuntime.create({ nodes: [NODE], dir: join(dir, "nodes"), seed: 2 });
    const ctx: ClusterContext = { runtime, nodes: [NODE], bugs: [], options: {}, rng: new Rng(2), log: () => {} };
    try {
      await expect(postgresSystem.setup(ctx)).rejects.toThrow(/OS user "postgres" cannot reach its data directory .*chmod o\+x/);
    } finally {
      await postgresSystem.teardown(ctx);
      await runtime.teardown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
