// Entry point of one ZAB server: `node --import tsx clusters/zab/main.ts --name n1 …` (see args.ts
// for every flag). Logs go to stdout with timestamps; the runtime collects them.

import { runNode } from "../lifecycle/node-main.ts";
import { parseServerArguments } from "./args.ts";
import { ZabNode } from "./node.ts";

await runNode(parseServerArguments, (config, log, fatal) => ZabNode.start(config, log, fatal));
