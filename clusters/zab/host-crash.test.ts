// The C client's host process (clusters/zookeeper/native-host.ts) dying must not cost a run its
// verdict by itself: set clients on our three-server ensemble (no Java needed) while the test
// kills the host — SIGKILL with an add in flight, SIGSEGV with every client's final read in
// flight, and SIGKILL between ops. The add in flight ends info (its fate is unknown, so the
// history stays honest), the next op waits for the new host's session, and every final read is
// made again on a new host and answers with every acknowledged add.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "../../harness/interpreter/client.ts";
import type { Completion, Invocation } from "../../harness/op.ts";
import { LocalSystem, eventually } from "../../test/support/local-system.ts";
import { nativeHostState } from "../zookeeper/native-rpc.ts";
import { zabSystem } from "./system.ts";

const NODES = ["n1", "n2", "n3"];
const cluster = new LocalSystem(zabSystem, NODES, 11);
/** The op timeout the CLI uses by default: a final read has this long to find a new host. */
const OP_TIMEOUT_MS = 5000;
const clients: Client[] = [];
const acknowledged: number[] = [];
let nextElement = 0;

function invoke(client: Client, f: string, value: unknown): Promise<Completion> {
  const op: Invocation = { process: 0, f, value };
  return client.invoke(op, AbortSignal.timeout(OP_TIMEOUT_MS));
}

async function add(client: Client): Promise<Completion> {
  const element = nextElement++;
  const completion = await invoke(client, "add", element);
  if (completion.type === "ok") acknowledged.push(element);
  return completion;
}

/** The running host, stopped (SIGSTOP) so that calls sent to it wait there unanswered. */
function stopHost(): number {
  const { pid } = nativeHostState();
  if (pid === undefined) throw new Error("no C client host process is running; open a client first");
  process.kill(pid, "SIGSTOP");
  return pid;
}

async function callsInFlight(count: number): Promise<void> {
  await eventually(`${count} call(s) waiting in the stopped host`, async () => (nativeHostState().callsInFlight >= count ? true : undefined), () => nativeHostState());
}

async function hostGone(pid: number): Promise<void> {
  await eventually(`the host ${pid} to be seen dead`, async () => (nativeHostState().pid !== pid ? true : undefined));
}

function expectFinalRead(completion: Completion): void {
  expect(completion, JSON.stringify(completion)).toMatchObject({ type: "ok" });
  expect(completion.value as number[]).toEqual(expect.arrayContaining(acknowledged));
}

describe("the ZooKeeper C client host process dying under a run (zab)", () => {
  beforeAll(async () => {
    await cluster.start();
    for (const node of NODES) clients.push(await cluster.open("set", node));
    await eventually("every client's first add", async () => ((await Promise.all(clients.map((client) => add(client)))).every((c) => c.type === "ok") ? true : undefined));
  }, 90_000);

  afterAll(async () => {
    // A host left stopped by a failed test would never see the harness go away.
    const { pid } = nativeHostState();
    if (pid !== undefined) process.kill(pid, "SIGCONT");
    expect(await cluster.stop(), "server processes that outlived teardown").toEqual([]);
  });

  it("an add in flight when the host is killed ends info, and the next ops run on a new host", async () => {
    const pid = stopHost();
    const inFlight = add(clients[0]!);
    await callsInFlight(1);
    process.kill(pid, "SIGKILL");
    const completion = await inFlight;
    expect(completion, JSON.stringify(completion)).toMatchObject({ type: "info" });
    expect(completion.error).toMatch(/host process exited/);
    await hostGone(pid);
    // At once, without waiting for anything: each client's first op after the crash waits for
    // its session in the new host instead of failing unsent.
    for (const client of clients) expect(await add(client)).toMatchObject({ type: "ok" });
    expect(nativeHostState().pid).not.toBe(pid);
  }, 30_000);

  it("final reads in flight when the host segfaults are made again on a new host and see every acknowledged add", async () => {
    const pid = stopHost();
    const reads = clients.map((client) => invoke(client, "read", { final: true }));
    await callsInFlight(clients.length);
    // SIGSEGV's default action (what the addon's crash does) takes effect once it runs again.
    process.kill(pid, "SIGSEGV");
    process.kill(pid, "SIGCONT");
    for (const completion of await Promise.all(reads)) expectFinalRead(completion);
    expect(nativeHostState().pid).not.toBe(pid);
  }, 30_000);

  it("final reads right after the host was killed between ops see every acknowledged add", async () => {
    for (const client of clients) expect(await add(client)).toMatchObject({ type: "ok" });
    const { pid } = nativeHostState();
    process.kill(pid!, "SIGKILL");
    await hostGone(pid!);
    for (const completion of await Promise.all(clients.map((client) => invoke(client, "read", { final: true })))) expectFinalRead(completion);
  }, 30_000);

  it("the host killed twice during one final read: the read still answers within its timeout", async () => {
    const first = stopHost();
    const read = invoke(clients[1]!, "read", { final: true });
    await callsInFlight(1);
    process.kill(first, "SIGKILL");
    await hostGone(first);
    // The read's second attempt waits for its session in the second host; kill that one too.
    const second = await eventually("a second host", async () => nativeHostState().pid);
    process.kill(second, "SIGKILL");
    expectFinalRead(await read);
  }, 30_000);
});
