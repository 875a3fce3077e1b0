// Every model the linearizability checker offers, by the name users pass as --model.

import type { Model } from "../model.ts";
import { casRegister } from "./cas-register.ts";
import { kv } from "./kv.ts";
import { mutex } from "./mutex.ts";
import { queue } from "./queue.ts";
import { register } from "./register.ts";
import { set } from "./set.ts";

// Each model has its own State/Input/Output types; the registry erases them, and the checker
// only ever feeds a model values that model produced itself.
export type AnyModel = Model<any, any, any>;

export const models = {
  register,
  "cas-register": casRegister,
  kv,
  set,
  queue,
  mutex,
} as const satisfies Record<string, AnyModel>;

export type ModelName = keyof typeof models;

export const modelNames = Object.keys(models) as ModelName[];
