// Entry point of one twopc node: `node --import tsx clusters/twopc/main.ts --name n1 …` (args.ts
// lists every flag).

import { runNode } from "../lifecycle/node-main.ts";
import { parseTwoPcArguments } from "./args.ts";
import { startTwoPcNode } from "./node.ts";

await runNode(parseTwoPcArguments, startTwoPcNode);
