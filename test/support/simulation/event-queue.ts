// Virtual time's agenda: events ordered by when they happen. Ties run in the order they were
// scheduled, so that a run depends on nothing but its seed.

interface Scheduled<Event> {
  time: number;
  sequence: number;
  event: Event;
}

/** A binary min-heap on (time, sequence). */
export class EventQueue<Event> {
  private readonly heap: Scheduled<Event>[] = [];
  private sequence = 0;

  push(time: number, event: Event): void {
    const item = { time, sequence: this.sequence++, event };
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = item;
  }

  pop(): { time: number; event: Event } | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before<Event>(a: Scheduled<Event>, b: Scheduled<Event>): boolean {
  return a.time < b.time || (a.time === b.time && a.sequence < b.sequence);
}
