/** The decision detail the cold crash harness stores for row `id` (coldMover.ts), and checks comes back hot or cold. */
export function detailOf(id: string): string {
  return JSON.stringify({ v: 1, m: 'gpt-4o-mini', p: 'openai', f: [], st: 'prior', po: 'normal', ru: null, t: 'balanced', k: 'chat', c: 0.5, it: 10, ot: 20, e: null, b: null, sv: null, ca: [], om: 0, su: id });
}
