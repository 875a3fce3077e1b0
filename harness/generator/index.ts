// The generator library in one import: `import * as gen from "./harness/generator/index.ts"`.

export type { GenContext, GenResult, Generator, PlannedOp } from "./generator.ts";
export type { OpSpec } from "./context.ts";
export { DONE } from "./done.ts";
export { fromFn, once, type OnceSpec } from "./lift.ts";
export { mix } from "./mix.ts";
export { stagger, delay, rateToIntervalNs } from "./spacing.ts";
export { limit, timeLimit } from "./limit.ts";
export { concat, synchronize, phases, andThen } from "./sequence.ts";
export { sleep } from "./sleep.ts";
export { clients, nemesis } from "./routing.ts";
export { any } from "./any.ts";
export { eachProcess } from "./each-process.ts";
export { repeat, cycle } from "./repeat.ts";
export { map, filter } from "./transform.ts";
export { faultSchedule, type FaultOps, type FaultScheduleOptions } from "./fault-schedule.ts";
