// Entry point of the `faultline` command; the program itself is in program.ts.

import { main } from "./program.ts";

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Pending handles (a socket a client forgot) must not keep a finished command alive.
setTimeout(() => process.exit(code), 200).unref();
