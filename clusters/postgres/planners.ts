// How each workload's ops become one PostgreSQL transaction: the shared SQL planners
// (clusters/sql/planners.ts) over PostgreSQL's dialect. A planner checks an op before BEGIN, so an
// op the client cannot perform fails without anything sent; the body it returns runs inside
// BEGIN … COMMIT.

import { sqlPlanners } from "../sql/planners.ts";
import { postgresDialect } from "./dialect.ts";

export const postgresPlanners = sqlPlanners(postgresDialect);
