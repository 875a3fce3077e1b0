// Test helper run as a child process by wal.crash.test.ts: appends numbered entries to a WAL as
// fast as group commit allows and prints "acked N" once entry N is acknowledged, until killed.
// argv: DIRECTORY STORAGE(fsync|power-loss) ACK_BEFORE_SYNC(yes|no) [STOP_AFTER] [PREALLOCATE_BYTES]

import { Wal, type StorageMode } from "./wal.ts";

const [directory, storage, acknowledgeBeforeSync, stopAfterText, preallocateText] = process.argv.slice(2);
if (!directory || (storage !== "fsync" && storage !== "power-loss")) {
  throw new Error(`usage: wal-crash-writer.ts DIRECTORY fsync|power-loss yes|no [STOP_AFTER|-] [PREALLOCATE_BYTES]; got ${process.argv.slice(2).join(" ")}`);
}
const stopAfter = stopAfterText && stopAfterText !== "-" ? Number(stopAfterText) : Number.POSITIVE_INFINITY;
const inFlightLimit = 8;

const { wal } = await Wal.open({
  directory,
  storage: storage as StorageMode,
  acknowledgeBeforeSync: acknowledgeBeforeSync === "yes",
  // Long enough that the parent's kill always lands before the lazy sync.
  lazySyncIntervalMs: 600_000,
  preallocateBytes: preallocateText ? Number(preallocateText) : undefined,
  log: (line) => process.stderr.write(`${line}\n`),
});

let next = 1;
let inFlight = 0;
function pump(): void {
  while (inFlight < inFlightLimit && next <= stopAfter) {
    const index = next++;
    inFlight++;
    wal
      .append({ hardState: { term: 1, vote: "", commit: index }, entries: [{ index, term: 1, data: Buffer.from(`value-${index}`) }] })
      .then(() => {
        process.stdout.write(`acked ${index}\n`);
        inFlight--;
        pump();
      })
      .catch((error: Error) => {
        process.stderr.write(`append ${index} failed: ${error.message}\n`);
        process.exit(1);
      });
  }
  if (next > stopAfter && inFlight === 0) process.stdout.write("done\n");
}
pump();
// Stay alive until the parent kills us, so every kill is a SIGKILL mid-stream or mid-idle.
setInterval(() => undefined, 1 << 30);
