// `--opt name=value` arrives as text; systems, workloads and checkers want numbers and booleans
// (`--opt leaseMs=10000`, `--opt sync=true`). Text that reads as a number or boolean becomes one;
// anything else (isolation=serializable) stays text.

export type OptionValue = string | number | boolean;

export function typedOptions(options: Readonly<Record<string, string>>): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const [name, text] of Object.entries(options)) out[name] = typedValue(text);
  return out;
}

function typedValue(text: string): OptionValue {
  if (text === "true") return true;
  if (text === "false") return false;
  if (/^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(text.trim())) return Number(text);
  return text;
}
