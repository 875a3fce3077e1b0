// Whatever ends the harness — Ctrl-C, SIGTERM, an uncaught exception, an unhandled rejection —
// the cluster is torn down first (DESIGN §4.4). Parts that create something to clean up register
// a teardown; on the first of those events every registered teardown runs once, newest first,
// within a time bound, and the process exits with the code a shell expects: 130 after SIGINT,
// 143 after SIGTERM, 255 after a crash (DESIGN §5). A second SIGINT or SIGTERM while tearing down
// exits at once, for a user who has stopped waiting.
//
// The process listeners exist only while some teardown is registered, so a command with nothing
// to clean up keeps Node's default behaviour.

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

const DEFAULT_TIMEOUT_MS = 30_000;
export const EXIT_CODE_SIGINT = 128 + constants.signals.SIGINT;
export const EXIT_CODE_SIGTERM = 128 + constants.signals.SIGTERM;

const registrations: Registration[] = [];
let exiting = false;

const onSigint = () => exitAfterTeardown("interrupted (SIGINT)", EXIT_CODE_SIGINT, true);
const onSigterm = () => exitAfterTeardown("terminated (SIGTERM)", EXIT_CODE_SIGTERM, true);
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
  if (registrations.length === 0) {
    process.on("SIGINT", onSigint);
    process.on("SIGTERM", onSigterm);
    process.on("uncaughtException", onException);
    process.on("unhandledRejection", onRejection);
  }
  registrations.push(registration);
  return () => {
    const index = registrations.indexOf(registration);
    if (index < 0) return;
    registrations.splice(index, 1);
    if (registrations.length === 0 && !exiting) removeListeners();
  };
}

/** The same as registerTeardown, under the name the runtime uses for it. */
export const installExitHandlers = registerTeardown;

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
  const timeoutMs = Math.max(...pending.map((r) => r.timeoutMs));
  log(`faultline: ${reason}; tearing down`);
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
