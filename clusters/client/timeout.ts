// Shared by the clients of every system: an op's signal aborts at its timeout, and the client must
// stop waiting then — while the call itself runs on, so its outcome becomes unknown (info for a
// write). Registers hold numbers as text; anything else means someone else wrote the key.

/** Thrown by a client when the op's signal aborted before the server answered. */
export class OpTimedOut extends Error {
  constructor() {
    super("no answer before the op's timeout");
    this.name = "OpTimedOut";
  }
}

/** The call's result, or OpTimedOut once the signal aborts (at once if it already has). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new OpTimedOut());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new OpTimedOut());
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** A register's stored text as the number the register workload wrote. */
export function registerNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`register holds ${JSON.stringify(text)}, which is not a number; was it written by something else?`);
  return value;
}
