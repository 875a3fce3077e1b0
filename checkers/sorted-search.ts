// Binary search over ascending numbers, shared by checkers that ask "which of these happened after
// t" of sorted times or offsets.

/** Position of the first element of the ascending list that is greater than `value`. */
export function firstAbove(sorted: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}
