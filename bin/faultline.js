#!/usr/bin/env node
// The installed entry point: registers tsx so the TypeScript sources run as they are.
import { register } from "tsx/esm/api";

register();
await import("../harness/cli/main.ts");
