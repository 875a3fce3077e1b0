// A grudge — node → the nodes it cannot hear (Jepsen's term) — is how partitions are described
// everywhere: the nemesis makes one, the runtime enforces it, the checkers read it back from the
// history. Pure data, so it lives where all three may import it.

export type Grudge = Record<string, string[]>;

/** Each node of a component cannot hear the nodes of the other components. */
export function grudgeFromComponents(components: readonly (readonly string[])[]): Grudge {
  const grudge: Grudge = {};
  for (const component of components) {
    const others = components.filter((other) => other !== component).flat();
    for (const node of component) grudge[node] = [...others];
  }
  return grudge;
}
