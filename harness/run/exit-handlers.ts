// Whatever ends the harness — Ctrl-C, SIGTERM, an uncaught exception, an unhandled rejection —
// the cluster is torn down first (DESIGN §4.4). Parts that create something to clean up register
// a teardown; on the first of those events every registered teardown runs once, newest first,
// within a time bound, and the process exits with the code a shell expects: 130 after SIGINT,
// 143 after SIGTERM, 255 after a crash (DESIGN §5). A second SIGINT or SIGTERM while tearing down
// exits at once, for a user who has stopped waiting.
//
// A program that can wind down in order (a run: stop the workload, close the history, heal, tear
// down, check what was recorded, report) registers an interrupt handler with onInterrupt. Then the
// first SIGINT or SIGTERM only calls that handler and the program finishes on its own and picks
// its exit code; a second signal, or the handler's grace period running out, tears down what is
// registered at once and exits 130 / 143 (the first signal's code).
//
// The process listeners exist only while some teardown or interrupt handler is registered, so a
// command with nothing to clean up keeps Node's default behaviour.

import { constants } from "node:os";
import { EXIT } from "../errors.ts";

export type Teardown = () => Promise<void> | void;

export interface ExitHandlerOptions {
  /** Upper bound on all teardowns together; the longest bound registered wins. Default 30 s. */
  timeoutMs?: number;
  /** Where progress and errors go. Default: stderr. */
  log?: (line: string) => void;
}

interface Registration {
  teardown: Teardown;
  timeoutMs: number;
  log: (line: string) => void;
}

export type StopSignal = "SIGINT" | "SIGTERM";

export interface InterruptOptions {
  /** How long the orderly stop may take after the first signal before the registered teardowns
   *  run anyway and the process exits. Default 120 s. */
  graceMs?: number;
  /** Where the notice goes. Default: stderr. */
  log?: (line: string) => void;
}

interface InterruptRegistration {
  handler: (signal: StopSignal) => void;
  graceMs: number;
  log: (line: string) => void;
}

const DEFAULT_TIMEOUT_MS = 30_000;
export const EXIT_CODE_SIGINT = 128 + constants.signals.SIGINT;
export const EXIT_CODE_SIGTERM = 128 + constants.signals.SIGTERM;

const DEFAULT_GRACE_MS = 120_000;

const registrations: Registration[] = [];
const interruptHandlers: InterruptRegistration[] = [];
let exiting = false;
/** The signal that started an orderly stop, while one is under way. */
let stopping: StopSignal | undefined;

const onSigint = () => onStopSignal("SIGINT");
const onSigterm = () => onStopSignal("SIGTERM");
const onException = (error: unknown) => exitAfterTeardown(`crashed: uncaught exception: ${describe(error)}`, EXIT.crashed, false);
const onRejection = (reason: unknown) => exitAfterTeardown(`crashed: unhandled promise rejection: ${describe(reason)}`, EXIT.crashed, false);

/** Registers `teardown` to run once if the process is interrupted or crashes; returns a function
 *  that unregisters it (call it once the thing has been torn down normally). */
export function registerTeardown(teardown: Teardown, options: ExitHandlerOptions = {}): () => void {
  const registration: Registration = {
    teardown,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
  };
  if (!listening()) addListeners();
  registrations.push(registration);
  return () => {
    const index = registrations.indexOf(registration);
    if (index < 0) return;
    registrations.splice(index, 1);
    if (!listening() && !exiting) removeListeners();
  };
}

/** Registers `handler` to hear the first SIGINT or SIGTERM instead of the process being torn down
 *  and ended: the program stops in order and exits by itself. A second signal, or `graceMs`
 *  passing, runs the registered teardowns and exits 130 / 143. Returns a function that
 *  unregisters the handler. */
export function onInterrupt(handler: (signal: StopSignal) => void, options: InterruptOptions = {}): () => void {
  const registration: InterruptRegistration = {
    handler,
    graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
    log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
  };
  if (!listening()) addListeners();
  interruptHandlers.push(registration);
  return () => {
    const index = interruptHandlers.indexOf(registration);
    if (index < 0) return;
    interruptHandlers.splice(index, 1);
    if (!listening() && !exiting) removeListeners();
  };
}

export function exitCodeForSignal(signal: StopSignal): number {
  return signal === "SIGINT" ? EXIT_CODE_SIGINT : EXIT_CODE_SIGTERM;
}

function listening(): boolean {
  return registrations.length > 0 || interruptHandlers.length > 0;
}

function addListeners(): void {
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
}

function onStopSignal(signal: StopSignal): void {
  const reason = signal === "SIGINT" ? "interrupted (SIGINT)" : "terminated (SIGTERM)";
  if (stopping === undefined && !exiting && interruptHandlers.length > 0) {
    stopping = signal;
    const handlers = interruptHandlers.slice();
    const log = handlers.at(-1)!.log;
    const graceMs = Math.max(...handlers.map((h) => h.graceMs));
    log(`faultline: ${reason}; stopping in order (workload, history, heal, teardown, check, report) — ${signal === "SIGINT" ? "Ctrl-C" : "signal"} again to kill the cluster and exit at once`);
    // Unref'd: a program that finishes in time must not be kept alive by its own deadline.
    setTimeout(() => void exitAfterTeardown(`still stopping ${graceMs / 1000} s after ${signal}`, exitCodeForSignal(signal), true), graceMs).unref();
    for (const { handler } of handlers) handler(signal);
    return;
  }
  // A second signal during an orderly stop exits with the first one's code.
  void exitAfterTeardown(stopping ? `${reason} again` : reason, exitCodeForSignal(stopping ?? signal), true);
}

function removeListeners(): void {
  process.off("SIGINT", onSigint);
  process.off("SIGTERM", onSigterm);
  process.off("uncaughtException", onException);
  process.off("unhandledRejection", onRejection);
}

async function exitAfterTeardown(reason: string, code: number, bySignal: boolean): Promise<void> {
  const log = registrations.at(-1)?.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (exiting) {
    if (bySignal) {
      log(`faultline: ${reason} again; exiting without waiting for teardown`);
      process.exit(code);
    }
    // A teardown that crashes must not start another round of teardowns.
    log(`faultline: while tearing down, ${reason}`);
    return;
  }
  exiting = true;
  const pending = registrations.splice(0).reverse();
  const timeoutMs = Math.max(0, ...pending.map((r) => r.timeoutMs));
  log(`faultline: ${reason}; ${pending.length ? "tearing down" : "nothing to tear down"}`);
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    runAll(pending).then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (!finished) log(`faultline: teardown did not finish within ${timeoutMs} ms; exiting anyway — run 'faultline cleanup' to remove what is left`);
  process.exit(code);
}

async function runAll(pending: Registration[]): Promise<void> {
  for (const { teardown, log } of pending) {
    try {
      await teardown();
    } catch (error) {
      log(`faultline: teardown failed: ${describe(error)}`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
