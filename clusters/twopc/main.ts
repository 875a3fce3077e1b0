// Entry point of one twopc node: `node --import tsx clusters/twopc/main.ts --name n1 …` (args.ts
// lists every flag).

import { runNode } from "../textbook/main-shell.ts";
import { parseTwoPcArguments } from "./args.ts";
import { TwoPcNode } from "./node.ts";

await runNode(parseTwoPcArguments, (config, log, fatal) => TwoPcNode.start(config, log, fatal));
