// Streams a run's history to disk as JSONL while the run goes (DESIGN §4.3): ops are buffered
// and written at least every flush interval, so if the harness dies everything up to the last
// flush is on disk — each line whole, except at worst a cut last one — and `faultline check`
// still works on it. Writes are synchronous and whole-buffer: they never interleave, and a flush
// that returns has handed every byte to the kernel.

import { close, fsync, openSync, writeSync } from "node:fs";
import type { Op } from "../op.ts";

export interface HistoryWriterOptions {
  /** Also keep every op in memory, for the checkers at the end of the run. */
  keepInMemory?: boolean;
  /** Longest time an appended op waits in the buffer; default 200 ms. */
  flushIntervalMs?: number;
  /** Buffered characters that trigger a write at once, bounding memory at high op rates; default 1 MiB. */
  maxBufferedChars?: number;
}

const DEFAULT_FLUSH_INTERVAL_MS = 200;
const DEFAULT_MAX_BUFFERED_CHARS = 1 << 20;

export class HistoryWriter {
  private fd: number | undefined;
  private buffered = "";
  private appended = 0;
  private readonly memory: Op[] | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly maxBufferedChars: number;
  /** A write that failed in the background; the next append reports it. */
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  /** Creates `path`, which must not exist yet: a run never overwrites another run's history. */
  constructor(
    readonly path: string,
    opts: HistoryWriterOptions = {},
  ) {
    try {
      this.fd = openSync(path, "wx");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const hint = code === "EEXIST" ? "each run writes a fresh history; use a new run directory" : "check that the directory exists and is writable";
      throw new Error(`HistoryWriter: cannot create ${path} (${(err as Error).message}); ${hint}`);
    }
    this.memory = opts.keepInMemory ? [] : undefined;
    this.maxBufferedChars = opts.maxBufferedChars ?? DEFAULT_MAX_BUFFERED_CHARS;
    this.timer = setInterval(() => this.flushInBackground(), opts.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
    // The writer must not keep a finished harness alive; close() does the final flush.
    this.timer.unref();
  }

  /** Ops appended so far. */
  get count(): number {
    return this.appended;
  }

  /** Every op appended, in order (only with keepInMemory). */
  ops(): readonly Op[] {
    if (this.memory === undefined) {
      throw new Error(`HistoryWriter(${this.path}): ops() needs the writer to be created with { keepInMemory: true }; read the file back instead`);
    }
    return this.memory;
  }

  append(op: Op): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.fd === undefined) throw new Error(`HistoryWriter(${this.path}): append of op ${op.index} after close(); the history is finished`);
    let line: string;
    try {
      line = JSON.stringify(op);
    } catch (err) {
      throw new Error(
        `HistoryWriter(${this.path}): op ${op.index} (process ${op.process}, ${op.f}) cannot be written as JSON: ${(err as Error).message}; op values must be plain JSON data`,
      );
    }
    this.buffered += line + "\n";
    this.appended++;
    this.memory?.push(op);
    if (this.buffered.length >= this.maxBufferedChars) this.flush();
  }

  /** Writes everything buffered now. */
  flush(): void {
    if (this.fd === undefined || this.buffered === "") return;
    const bytes = Buffer.from(this.buffered);
    this.buffered = "";
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
  }

  /** Flushes, fsyncs and closes the file; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<void> {
    clearInterval(this.timer);
    const fd = this.fd;
    if (fd === undefined) return;
    try {
      this.flush();
      await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
    } finally {
      this.fd = undefined;
      await new Promise<void>((resolve) => close(fd, () => resolve()));
    }
  }

  private flushInBackground(): void {
    try {
      this.flush();
    } catch (err) {
      // A timer callback has nobody to throw to; the run hears of it at its next append.
      this.failure = new Error(`HistoryWriter(${this.path}): writing the history failed: ${(err as Error).message}`);
      clearInterval(this.timer);
    }
  }
}
