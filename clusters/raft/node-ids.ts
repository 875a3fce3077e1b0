// The core numbers voters 1..N; the shell names them (n1, n2, …). Every node must derive the same
// numbering from the same set of names, so it is the names' natural order ("n2" before "n10"),
// independent of the order in which --peers lists them.

import type { NodeId } from "./core/types.ts";

const naturalOrder = new Intl.Collator("en", { numeric: true, sensitivity: "variant" });

export class NodeIds {
  private readonly sortedNames: readonly string[];

  constructor(names: readonly string[]) {
    if (new Set(names).size !== names.length) throw new Error(`node names must be unique, got ${names.join(", ")}`);
    this.sortedNames = [...names].sort((a, b) => naturalOrder.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0));
  }

  id(name: string): NodeId {
    const position = this.sortedNames.indexOf(name);
    if (position === -1) throw new Error(`unknown node name ${name}; the cluster is ${this.sortedNames.join(", ")}`);
    return position + 1;
  }

  has(name: string): boolean {
    return this.sortedNames.includes(name);
  }

  /** Every name, in id order. */
  names(): string[] {
    return [...this.sortedNames];
  }

  /** The node's name, or undefined for NO_NODE or an id outside the cluster. */
  name(id: NodeId): string | undefined {
    return this.sortedNames[id - 1];
  }

  ids(): NodeId[] {
    return this.sortedNames.map((_, position) => position + 1);
  }
}
