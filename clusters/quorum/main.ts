// Entry point of one quorum node: `node --import tsx clusters/quorum/main.ts --name n1 …` (args.ts
// lists every flag).

import { runNode } from "../lifecycle/node-main.ts";
import { parseQuorumArguments } from "./args.ts";
import { startQuorumNode } from "./node.ts";

await runNode(parseQuorumArguments, startQuorumNode);
