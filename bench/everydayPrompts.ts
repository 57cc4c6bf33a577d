// A fixed set of everyday and hard prompts, with what a person expects routing to do with them.
// Read by `npm run bench:routing-everyday` (prints the choices) and by the routing tests (which
// hold the expectations), so the printed table and the tested behaviour are the same prompts.
export type EverydayKind = 'everyday' | 'hard';

export interface EverydayPrompt {
  id: string;
  kind: EverydayKind;
  prompt: string;
}

export const EVERYDAY_PROMPTS: readonly EverydayPrompt[] = [
  { id: 'greeting', kind: 'everyday', prompt: 'hi!' },
  { id: 'thanks', kind: 'everyday', prompt: 'thanks, that worked!' },
  { id: 'capital', kind: 'everyday', prompt: 'What is the capital of France?' },
  { id: 'conversion', kind: 'everyday', prompt: 'Convert 72 degrees Fahrenheit to Celsius.' },
  { id: 'units', kind: 'everyday', prompt: 'How many ounces are in 2.5 kilograms?' },
  { id: 'translate', kind: 'everyday', prompt: 'Translate to German: "Where is the train station? I need to catch the 9 o\'clock train."' },
  { id: 'haiku', kind: 'everyday', prompt: 'Write a haiku about autumn.' },
  { id: 'summary', kind: 'everyday', prompt: 'Summarise in two sentences: The meeting covered the Q3 roadmap. Engineering will ship the new billing page in August, marketing moves the launch event to September, and support asked for two more hires before the launch. Budget approval is pending until finance reviews the numbers next week.' },
  { id: 'regex', kind: 'everyday', prompt: 'Give me a regex that matches a US ZIP code.' },
  { id: 'proof', kind: 'hard', prompt: 'Prove that there are infinitely many primes p such that p ≡ 3 (mod 4). Give a complete, rigorous proof, then explain why the same argument fails for primes ≡ 1 (mod 4) and what extra tool is needed there.' },
  { id: 'concurrency', kind: 'hard', prompt: 'Our Go service deadlocks under load. Two goroutines each lock mutex A then B, but a third path locks B then calls a callback that may lock A, and a worker pool uses a buffered channel of size 1 for results while holding A. Find every deadlock and race in this design, explain the interleavings step by step, and propose a lock ordering and channel design that provably avoids them.\n\n```go\nfunc (s *Svc) Transfer(a, b *Acct) {\n  a.mu.Lock(); defer a.mu.Unlock()\n  b.mu.Lock(); defer b.mu.Unlock()\n  s.results <- apply(a, b)\n}\n```' },
  { id: 'system-design', kind: 'hard', prompt: 'Design a globally distributed rate limiter for an API gateway handling 2 million requests per second across 6 regions. Requirements: per-tenant limits with burst, at most 1% over-admission, p99 added latency under 2 ms, survives a region partition. Compare token bucket with sliding-window counters, explain the consistency model, the data structures, failure modes and how you would prove the over-admission bound.' },
];
