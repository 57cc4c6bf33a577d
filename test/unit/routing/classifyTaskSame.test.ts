// classifyTask reads its cues with one expression in one pass; the five expressions it replaced,
// tested one after another, are kept here as the reference: both must name the same task on edge
// cases (cues inside other cues, at word edges, across lines, in other cases) and generated texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyTask, extractFeatures, isShortQuestion } from '../../../daemon/routing/features';
import { seededRandom } from '../../../daemon/routing/linearModel';
import { EVERYDAY_PROMPTS } from '../../../bench/everydayPrompts';
import type { TaskType } from '../../../daemon/protocol/routing';

const CODE_HINT = /\b(function|def|class|import|return|const|let|var|public|private|#include|SELECT|FROM|=>|console\.log|println|printf)\b|[{};]\s*$/m;
const MATH_HINT = /(\d+\s*[-+*/^=]\s*\d+|\b(solve|equation|integral|derivative|probability|how many|how much|percent|sum of|prove|calculate|compute)\b|[∑∫√π≤≥±])/i;
const CREATIVE_HINT = /\b(write (a|an|me) (story|poem|song|haiku|essay|limerick)|story|poem|lyrics|fiction|imagine|creative|brainstorm|slogan)\b/i;
const EXTRACTION_HINT = /\b(extract|list all|parse|summari[sz]e|tl;?dr|classify|convert .* to json|pull out|find all)\b/i;
const ANALYSIS_HINT = /\b(analy[sz]e|compare|evaluate|explain why|pros and cons|trade-?offs?|critique|assess|implications|design|architecture|review)\b/i;
const REASONING_HINT = /\b(step by step|prove|derive|why|explain|optimi[sz]e|design|trade-?off|edge cases?|complexity)\b/gi;

/** classifyTask as it was, for a text with no code fence and no editor context. */
function referenceTask(text: string): TaskType {
  const head = text.length > 4000 ? text.slice(0, 4000) : text;
  if (CODE_HINT.test(head)) {
    return 'code';
  }
  if (MATH_HINT.test(head)) {
    return 'math';
  }
  if (CREATIVE_HINT.test(head)) {
    return 'creative';
  }
  if (EXTRACTION_HINT.test(head)) {
    return 'extraction';
  }
  if (ANALYSIS_HINT.test(head)) {
    return 'analysis';
  }
  return isShortQuestion(head) ? 'simple' : 'chat';
}

const PIECES = [
  ' ', ' ', ' ', '\n', '?', '.', ',', '-', '_', 'x', 'the', 'and', 'a', 'an', 'me', 'to', 'json', 'JSON', 'Convert', 'convert ', ' to json',
  'write', 'Write', 'story', 'stories', 'storytelling', 'poem', 'haiku', 'essay', 'lyrics', 'imagine', 'Creative', 'slogan',
  'extract', 'extracted', 'list all', 'LIST ALL', 'parse', 'parser', 'summarise', 'summarize', 'tl;dr', 'tldr', 'TL;DR', 'classify', 'pull out', 'find all',
  'analyse', 'analyze', 'analysis', 'compare', 'evaluate', 'explain why', 'pros and cons', 'trade-off', 'tradeoffs', 'trade-offs', 'critique', 'assess',
  'implications', 'design', 'designer', 'architecture', 'review', 'reviewer',
  'solve', 'equation', 'integral', 'derivative', 'probability', 'how many', 'How Much', 'percent', 'sum of', 'prove', 'calculate', 'compute', 'computer',
  '1', '12', '3 + 4', '5*6', '7 /8', '9 ^ 2', '10=', '= 11', '-', '∑', '√', 'π', 'Π', '≤', '±', 'é', 'ß', 'ſ', 'K',
  'step by step', 'why', 'explain', 'optimise', 'edge case', 'edge cases', 'complexity', 'derive', ';', '{', 'return', 'let',
];

function generated(r: () => number): string {
  const n = 1 + Math.floor(r() * 24);
  let s = '';
  for (let i = 0; i < n; i++) {
    s += PIECES[Math.floor(r() * PIECES.length)] ?? '';
  }
  return s;
}

test('classifyTask names the task the five expressions tested in turn named', () => {
  const r = seededRandom(12);
  const texts = [...EVERYDAY_PROMPTS.map((p) => p.prompt), 'design' + ' x'.repeat(2100), 'x '.repeat(1999) + 'poem', 'convert a\nto json', 'convert a to jsonb'];
  for (let i = 0; i < 20_000; i++) {
    texts.push(generated(r));
  }
  for (const text of texts) {
    assert.equal(classifyTask(text, 0), referenceTask(text), JSON.stringify(text));
  }
});

test('the reasoning cue count is the count of matches, up to 5', () => {
  const r = seededRandom(13);
  for (let i = 0; i < 5_000; i++) {
    const text = generated(r);
    const want = Math.min(5, (text.match(REASONING_HINT) ?? []).length);
    const f = extractFeatures({ messages: [{ role: 'user', content: text }] });
    const cues = Math.min(5, want);
    // complexity's reasoning term is 0.2 × min(1, cues / 3): recompute it from the reference count.
    const tokens = f.inputTokens;
    const expected = Math.min(1, Math.max(0,
      0.25 * Math.min(1, Math.log10(1 + tokens) / 4) + 0.2 * Math.min(1, cues / 3) + 0.15 * Math.min(1, f.codeBlocks / 3) + 0.15 * Math.min(1, f.turns / 8) +
        0.15 * (f.taskType === 'math' || f.taskType === 'analysis' || f.taskType === 'code' ? 1 : 0)));
    assert.equal(f.complexity, expected, JSON.stringify(text));
  }
});
