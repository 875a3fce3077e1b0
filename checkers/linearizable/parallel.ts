// Searches the partitions of one history until the verdict is known, on this thread and, when the
// search turns out long enough to pay for them, on worker threads.
//
// The checker stays a synchronous, pure function for its caller: this thread is the hub. It
// searches partitions itself (round-robin.ts) and, between slices, reads the workers' messages
// with receiveMessageOnPort; with nothing of its own left it sleeps in Atomics.wait until a worker
// posts. Workers are stopped and terminated before the call returns.
//
// Work moves between threads as whole partitions, restarted where they land: every partition
// starts here; a worker, once up, takes every other one this thread still has (small and large
// alike, as they are ordered by size); later an idle thread is handed the partition a busy one
// has spent least on. A move wastes at most what was spent on the partition so far, and this
// balances a history whose cost sits in a few keys, whichever keys those turn out to be.
//
// When to stop: every partition decided; or the deadline; or — unless allFailures — once one
// partition is illegal (the verdict is then known), after an evidence budget equal to the time
// already spent, during which the others may still be decided.

import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { ModelName } from "./models/index.ts";
import { type PartitionJob, type PartitionReport, RoundRobin } from "./round-robin.ts";
import type { SearchModel } from "./wgl.ts";
import { type FromWorker, HUB_SEQUENCE, STOP, type ToWorker, WORKER_SEQUENCE, type WorkerData } from "./worker-protocol.ts";

/** Workers come up only once the search has run this long, and taken SPAWN_AFTER_STEPS steps,
 *  without deciding every partition. Measured on the 2-core machines we bench on
 *  (bench/linearizable-vs-porcupine.ts): a worker takes ~60–100 ms of CPU to load the TypeScript
 *  search code before it can search, while the shared fixtures (c10 kv, the etcd logs) are decided
 *  in a few ms. A history decided below the threshold never pays for workers; above it, spending
 *  at most about the threshold again on start-up bounds the loss on a history that finishes just
 *  after it (ski rental). */
export const SPAWN_AFTER_MS = 60;
/** The same threshold in search steps, which a loaded machine does not stretch the way it does
 *  the wall clock: ~60 ms of kv search on an idle core. */
export const SPAWN_AFTER_STEPS = 300_000;
/** More workers than partitions to balance gain nothing; more than this gain little and each
 *  holds its own heap. */
const MAX_WORKERS = 7;
/** The longest the hub sleeps before looking at the clock again. */
const HUB_WAIT_MS = 50;

export interface PartitionSearchOptions {
  /** performance.now() value when the check started: the evidence budget counts from here. */
  startMs: number;
  /** performance.now() value after which every undecided partition stays undecided. */
  deadlineMs: number;
  /** Search every partition even after one is illegal (evidence for all of them). */
  allFailures: boolean;
  /** The model's registry name; workers are used only for registry models, which they can load. */
  workerModel: ModelName | undefined;
  /** Overrides SPAWN_AFTER_MS, and SPAWN_AFTER_STEPS with it when 0 (tests). */
  spawnAfterMs?: number;
  /** Threads to use, this one included (default: the machine's available parallelism). */
  threads?: number;
}

export interface PartitionSearchResult<State> {
  /** Decided partitions, and those the memory cap stopped (status cache-full). */
  reports: PartitionReport<State>[];
  /** Why the partitions without a report are undecided. */
  stoppedBy: "deadline" | "evidence budget";
  /** When the first illegal partition was found, in ms after startMs. */
  firstFailureMs?: number;
  /** Configurations memoized by partitions left undecided on this thread. */
  undecidedCacheEntries: number;
  /** Worker threads started (0: everything ran on the calling thread). */
  workers: number;
  /** Partitions decided on worker threads. */
  decidedOnWorkers: number;
}

export function searchPartitions<State, Input, Output>(
  model: SearchModel<State, Input, Output>,
  jobs: readonly PartitionJob<Input, Output>[],
  options: PartitionSearchOptions,
): PartitionSearchResult<State> {
  const local = new RoundRobin(model);
  for (const job of jobs) local.add(job);
  const reports = new Map<number, PartitionReport<State>>();
  let stopAt = options.deadlineMs;
  let stoppedBy: PartitionSearchResult<State>["stoppedBy"] = "deadline";
  let firstFailureMs: number | undefined;
  const record = (report: PartitionReport<State>) => {
    if (reports.has(report.id)) return;
    reports.set(report.id, report);
    if (report.status !== "illegal" || firstFailureMs !== undefined) return;
    const now = performance.now();
    firstFailureMs = now - options.startMs;
    if (!options.allFailures && now + firstFailureMs < stopAt) {
      stopAt = now + firstFailureMs;
      stoppedBy = "evidence budget";
    }
  };

  const threads = Math.min(options.threads ?? availableParallelism(), MAX_WORKERS + 1);
  const spawnAfterMs = options.spawnAfterMs ?? SPAWN_AFTER_MS;
  const spawnAfterSteps = options.spawnAfterMs === 0 ? 0 : SPAWN_AFTER_STEPS;
  let pool: WorkerPool<State> | undefined;
  let spawnTried = false;
  try {
    while (reports.size < jobs.length) {
      const now = performance.now();
      if (now >= stopAt) break;
      if (!spawnTried && options.workerModel !== undefined && threads > 1 && now - options.startMs >= spawnAfterMs && local.steps >= spawnAfterSteps) {
        spawnTried = true;
        const undecided = jobs.length - reports.size;
        if (undecided >= 2) pool = WorkerPool.start(options.workerModel, Math.min(threads - 1, undecided - 1), options.deadlineMs, jobs);
      }
      pool?.exchange(local, record);
      if (local.size > 0) {
        const report = local.step();
        if (report !== undefined) record(report);
      } else if (pool !== undefined) {
        pool.wait(Math.min(stopAt - now, HUB_WAIT_MS));
      } else {
        throw new Error("linearizability search lost track of a partition: none is left to search, yet not all are decided");
      }
    }
  } finally {
    pool?.stop();
  }
  return {
    reports: [...reports.values()],
    stoppedBy,
    firstFailureMs,
    undecidedCacheEntries: local.cacheEntries(),
    workers: pool?.size ?? 0,
    decidedOnWorkers: pool?.decided ?? 0,
  };
}

interface WorkerHandle {
  worker: Worker;
  port: MessagePort;
  ready: boolean;
  /** Partitions this worker holds, as far as the hub knows (work sent, not yet reported). */
  held: Set<number>;
  releaseAsked: boolean;
  failed: boolean;
}

class WorkerPool<State> {
  /** Partitions released by a thread and not yet handed to another. */
  private readonly orphans: number[] = [];
  private seen = 0;
  /** Reports received from workers. */
  decided = 0;

  private constructor(
    private readonly workers: WorkerHandle[],
    private readonly control: Int32Array,
    private readonly jobs: ReadonlyMap<number, PartitionJob<unknown, unknown>>,
  ) {}

  get size(): number {
    return this.workers.length;
  }

  static start<State>(model: ModelName, count: number, deadlineMs: number, jobs: readonly PartitionJob<unknown, unknown>[]): WorkerPool<State> | undefined {
    const bootstrap = workerBootstrap();
    if (bootstrap === undefined) return undefined;
    const control = new Int32Array(new SharedArrayBuffer(4 * (WORKER_SEQUENCE + count)));
    const workers: WorkerHandle[] = [];
    for (let index = 0; index < count; index++) {
      const { port1, port2 } = new MessageChannel();
      const data: WorkerData = { index, model, control, port: port2, deadlineEpochMs: performance.timeOrigin + deadlineMs };
      const worker = new Worker(bootstrap, { eval: true, workerData: data, transferList: [port2] });
      // Its 'error' event can only fire after this synchronous check returned; a worker that
      // failed to start never reports ready and is simply never given work.
      worker.on("error", () => {});
      worker.unref();
      workers.push({ worker, port: port1, ready: false, held: new Set(), releaseAsked: false, failed: false });
    }
    return new WorkerPool<State>(workers, control, new Map(jobs.map((job) => [job.id, job])));
  }

  /** Reads every message, then hands idle threads work: released partitions first, else the one
   *  this thread or a busy worker has spent least on. */
  exchange(local: RoundRobin<State, unknown, unknown>, record: (report: PartitionReport<State>) => void): void {
    this.seen = Atomics.load(this.control, HUB_SEQUENCE);
    for (const handle of this.workers) {
      for (let received = receiveMessageOnPort(handle.port); received !== undefined; received = receiveMessageOnPort(handle.port)) {
        const message = received.message as FromWorker;
        switch (message.type) {
          case "ready": {
            // A share of what this thread has, right away: what it spent on them is lost, but
            // it grows with every slice they stay here.
            handle.ready = true;
            const ready = this.workers.filter((worker) => worker.ready && !worker.failed).length;
            if (local.size >= 2) this.send(handle, { type: "work", jobs: local.releaseShare(ready + 1).map((id) => this.job(id)) });
            break;
          }
          case "report":
            this.decided++;
            handle.held.delete(message.report.id);
            record(message.report as PartitionReport<State>);
            break;
          case "released":
            handle.releaseAsked = false;
            if (message.id !== undefined) {
              handle.held.delete(message.id);
              this.orphans.push(message.id);
            }
            break;
          case "failed":
            // Searched again here, where a model that throws reaches the caller as it would
            // without workers.
            handle.failed = true;
            for (const id of new Set([...message.ids, ...handle.held])) local.add(this.job(id));
            handle.held.clear();
            break;
        }
      }
    }

    for (const handle of this.workers) {
      if (!handle.ready || handle.failed || handle.held.size > 0) continue;
      const id = this.orphans.shift() ?? (local.size >= 2 ? local.release() : undefined);
      if (id !== undefined) this.send(handle, { type: "work", jobs: [this.job(id)] });
      else this.askBusiestToRelease();
    }
    if (local.size === 0) {
      const id = this.orphans.shift();
      if (id !== undefined) local.add(this.job(id));
      else this.askBusiestToRelease();
    }
  }

  /** Sleeps until a worker posts (or `ms` pass). */
  wait(ms: number): void {
    if (ms > 0) Atomics.wait(this.control, HUB_SEQUENCE, this.seen, ms);
  }

  stop(): void {
    Atomics.store(this.control, STOP, 1);
    for (let index = 0; index < this.workers.length; index++) {
      Atomics.add(this.control, WORKER_SEQUENCE + index, 1);
      Atomics.notify(this.control, WORKER_SEQUENCE + index);
    }
    for (const { worker, port } of this.workers) {
      port.close();
      // Stops it mid-slice rather than at the next look at the stop flag; the promise settles after
      // this call returned, and there is nothing left to do with it.
      worker.terminate().catch(() => {});
    }
  }

  private job(id: number): PartitionJob<unknown, unknown> {
    const job = this.jobs.get(id);
    if (job === undefined) throw new Error(`no partition with id ${id}`);
    return job;
  }

  private send(handle: WorkerHandle, message: ToWorker): void {
    if (message.type === "work") for (const job of message.jobs) handle.held.add(job.id);
    else handle.releaseAsked = true;
    handle.port.postMessage(message);
    const index = this.workers.indexOf(handle);
    Atomics.add(this.control, WORKER_SEQUENCE + index, 1);
    Atomics.notify(this.control, WORKER_SEQUENCE + index);
  }

  private askBusiestToRelease(): void {
    let busiest: WorkerHandle | undefined;
    for (const handle of this.workers) {
      if (handle.failed || handle.releaseAsked || handle.held.size < 2) continue;
      if (busiest === undefined || handle.held.size > busiest.held.size) busiest = handle;
    }
    if (busiest !== undefined) this.send(busiest, { type: "release" });
  }
}

/** The code a worker thread starts with. The search runs from TypeScript sources, which a worker
 *  does not inherit a loader for, so it registers tsx's synchronous CommonJS hook first (tsx is
 *  how Faultline runs, see bin/faultline.js); undefined when tsx is missing, and the search then
 *  stays on the calling thread. */
export function workerBootstrap(): string | undefined {
  const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const entry = new URL(`./worker${extension}`, import.meta.url);
  if (extension === ".js") return `import(${JSON.stringify(entry.href)});`;
  let tsx: string;
  try {
    tsx = createRequire(import.meta.url).resolve("tsx/cjs/api");
  } catch {
    return undefined;
  }
  return `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(fileURLToPath(entry))});`;
}
