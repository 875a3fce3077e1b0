// Before any node starts: is everything the system's nodes need installed? A missing server binary
// otherwise shows 30 s later as a cluster that never became ready, with the cause in a log file.
// One line names what is missing and the Debian package that installs it (exit 254). On docker the
// system's image holds its programs, and the runner builds the image first.

import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { UsageError } from "../../harness/errors.ts";
import type { Requirement, RuntimeKind, System } from "../system.ts";

/** The requirements of `system` on the local runtime that this machine lacks. */
export function missingRequirements(system: Pick<System, "localRequirements">, options: Readonly<Record<string, unknown>>, path = process.env.PATH ?? ""): Requirement[] {
  return (system.localRequirements?.(options) ?? []).filter((requirement) => !present(requirement, path));
}

/** Throws UsageError naming what is missing and what installs it. */
export function preflight(system: Pick<System, "name" | "localRequirements">, runtime: RuntimeKind, options: Readonly<Record<string, unknown>>, path = process.env.PATH ?? ""): void {
  if (runtime !== "local") return;
  const missing = missingRequirements(system, options, path);
  if (missing.length === 0) return;
  const what = missing.map((requirement) =>
    requirement.file !== undefined ? `${requirement.file} (not found)` : requirement.program?.includes("/") ? `${requirement.program} (not found or not executable)` : `${requirement.program} (not on PATH)`,
  );
  const packages = [...new Set(missing.map((requirement) => requirement.package))];
  const otherwise = [...new Set(missing.flatMap((requirement) => (requirement.otherwise ? [requirement.otherwise] : [])))];
  throw new UsageError(
    `${system.name} cannot start on this machine: missing ${what.join(", ")}; install Debian's ${packages.join(" and ")} (apt-get install ${packages.join(" ")})${otherwise.length > 0 ? ` ${otherwise.join("; ")}` : ""}`,
  );
}

function present(requirement: Requirement, path: string): boolean {
  if (requirement.file !== undefined) return isFile(requirement.file);
  const program = requirement.program ?? "";
  if (program.includes("/")) return isExecutable(program);
  return path.split(delimiter).some((dir) => dir !== "" && isExecutable(join(dir, program)));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  if (!isFile(path)) return false;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
