// A system's `--opt` options, declared in its folder (name, type, default, one line of help, in the
// product's own words) and read through one parser: text from the command line, or values from a
// YAML spec or a test, become typed values; a bad value is one line naming the option, what was
// given and what would be valid (exit 254). Names a system does not declare are left alone here:
// they may be the workload's, and the spec (harness/spec/build-spec.ts) refuses the ones nobody
// reads before any node starts.

import { UsageError } from "../harness/errors.ts";

interface Declared<T> {
  default: T;
  /** One line for `faultline list`. */
  help: string;
}

export type OptionDeclaration =
  | (Declared<string> & { type: "choice"; choices: readonly string[] })
  | (Declared<number> & { type: "integer"; min: number; max?: number })
  | (Declared<boolean> & { type: "boolean" })
  | (Declared<string> & { type: "directory" })
  /** Any non-empty text (an account name, a password). */
  | (Declared<string> & { type: "text" });

export type OptionDeclarations = Readonly<Record<string, OptionDeclaration>>;

/** The parsed value of each declared option. */
export type OptionValues<D extends OptionDeclarations> = {
  [Name in keyof D]: D[Name] extends { type: "choice"; choices: readonly (infer Choice)[] }
    ? Choice
    : D[Name] extends { type: "integer" }
      ? number
      : D[Name] extends { type: "boolean" }
        ? boolean
        : string;
};

/** A system's options: what `faultline list` shows, what the spec checks, what the system reads. */
export interface SystemOptions<D extends OptionDeclarations = OptionDeclarations> {
  readonly system: string;
  readonly declared: D;
  /** The declared options' values, defaults filled in; throws UsageError at the first bad one. */
  parse(raw: Readonly<Record<string, unknown>>): OptionValues<D>;
}

export function declareOptions<const D extends OptionDeclarations>(system: string, declared: D): SystemOptions<D> {
  return {
    system,
    declared,
    parse(raw) {
      const values: Record<string, unknown> = {};
      for (const [name, declaration] of Object.entries(declared)) {
        const given = Object.hasOwn(raw, name) ? raw[name] : undefined;
        values[name] = given === undefined ? declaration.default : valueOf(system, name, declaration, given);
      }
      // Each value was checked against its declaration just above.
      return values as OptionValues<D>;
    },
  };
}

/** `name=default` and the allowed values, e.g. "storage=fsync (fsync|power-loss)". */
export function describeOption(name: string, declaration: OptionDeclaration): string {
  const allowed =
    declaration.type === "choice"
      ? declaration.choices.join("|")
      : declaration.type === "integer"
        ? `integer ≥ ${declaration.min}${declaration.max === undefined ? "" : ` and ≤ ${declaration.max}`}`
        : declaration.type === "boolean"
          ? "true|false"
          : declaration.type;
  return `${name}=${String(declaration.default)} (${allowed})`;
}

function valueOf(system: string, name: string, declaration: OptionDeclaration, given: unknown): unknown {
  const refuse = (wanted: string): never => {
    throw new UsageError(`${system}: option ${name} must be ${wanted}, got ${JSON.stringify(given)}; pass e.g. --opt ${name}=${String(declaration.default)}`);
  };
  switch (declaration.type) {
    case "choice": {
      // Text that reads as a number arrives as one (harness/spec/typed-options.ts; YAML does the
      // same): `--opt acks=1` is the choice "1".
      const text = typeof given === "number" && Number.isFinite(given) ? String(given) : given;
      return typeof text === "string" && declaration.choices.includes(text) ? text : refuse(`one of ${declaration.choices.join(", ")}`);
    }
    case "integer": {
      // From the command line every value is text; from YAML or a test it may be a number.
      const value = typeof given === "string" && /^-?\d+$/.test(given.trim()) ? Number(given) : given;
      const inRange = typeof value === "number" && Number.isSafeInteger(value) && value >= declaration.min && (declaration.max === undefined || value <= declaration.max);
      return inRange ? value : refuse(`an integer ≥ ${declaration.min}${declaration.max === undefined ? "" : ` and ≤ ${declaration.max}`}`);
    }
    case "boolean":
      if (given === true || given === "true") return true;
      if (given === false || given === "false") return false;
      return refuse("true or false");
    case "directory":
      return typeof given === "string" && given !== "" ? given : refuse("a directory path");
    case "text":
      // YAML may give a password of digits as a number; it is meant as text.
      return (typeof given === "string" && given !== "") || typeof given === "number" ? String(given) : refuse("non-empty text");
  }
}
