// Entry point of one Raft key-value node: `node --import tsx clusters/raft/main.ts --name n1 …`
// (see args.ts for every flag). Logs go to stdout with timestamps; the runtime collects them.

import { runNode } from "../lifecycle/node-main.ts";
import { parseNodeArguments } from "./args.ts";
import { RaftKvNode } from "./node.ts";

await runNode(parseNodeArguments, (config, log, fatal) => RaftKvNode.start(config, log, fatal));
