// What the router knows about a request before choosing: size, code, task type, complexity and
// the editor's context. Computed once per decision, so it must stay well under a millisecond.
import type { ChatMessage, ChatRequest } from '../protocol/chat';
import type { ClientContext, TaskType } from '../protocol/routing';
import { countTokensIn, DEFAULT_ENCODING, type EncodingName } from './tokenizer';

export interface RequestFeatures {
  /** Input tokens: exact (in the request's encoding, see tokenizer.ts) below `EXACT_TOKEN_CHAR_LIMIT` characters, estimated above. */
  inputTokens: number;
  tokenCountExact: boolean;
  /** The text the quality model reads: the last user turn (where the difficulty is). */
  promptText: string;
  /** Every message's text joined, for whole-conversation signals. */
  totalChars: number;
  turns: number;
  hasSystemPrompt: boolean;
  codeBlocks: number;
  languages: string[];
  hasImages: boolean;
  /** The request offers tools the model may call. */
  hasTools: boolean;
  taskType: TaskType;
  /** 0..1: how demanding the request looks (length, structure, reasoning cues). */
  complexity: number;
  editor: {
    command?: string;
    languageId?: string;
    selectionChars?: number;
    diagnosticsCount?: number;
  };
}

/**
 * Above this many characters an exact BPE count costs a large share of the decision budget
 * (o200k counting measures ≈ 0.05 ms for 2 000 characters but 0.1–1.3 ms for 4 000–8 000 on the shared
 * 2-CPU machine), so longer texts are estimated: the first `SAMPLE_CHARS` are counted exactly and
 * the rest at that sample's characters-per-token rate, which follows the text's own script and
 * code density instead of one global constant.
 */
export const EXACT_TOKEN_CHAR_LIMIT = 2_000;
const SAMPLE_CHARS = 1_000;
/** Per-message overhead of the chat format (role markers), as OpenAI documents it. */
const TOKENS_PER_MESSAGE = 4;
/** Texts shorter than this are counted directly: hashing them costs about as much as counting. */
const CACHE_MIN_CHARS = 256;
const CACHE_ENTRIES = 2_048;

export function messageText(m: ChatMessage): string {
  if (typeof m.content === 'string') {
    return m.content;
  }
  if (!m.content) {
    return '';
  }
  let out = '';
  for (const p of m.content) {
    if (p.type === 'text') {
      out += (out ? '\n' : '') + p.text;
    }
  }
  return out;
}

// Conversations resend every earlier turn with each request: each message's count is remembered
// by content, so a long chat costs about its newest turn. Short texts are keyed by their full
// content (length + two 32-bit hashes); long ones by length + their sample, which is all their
// estimate depends on, so hashing never reads more than the sample.
const tokenCache = new Map<string, { tokens: number; exact: boolean }>();

function contentKey(text: string, end: number, encoding: EncodingName): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
  }
  return `${encoding}:${text.length}:${end}:${a >>> 0}:${b >>> 0}`;
}

/** Where the estimate's exact sample ends: at a space, so a word split in two does not inflate the rate. */
function sampleEnd(text: string): number {
  const cut = text.lastIndexOf(' ', SAMPLE_CHARS);
  return cut > SAMPLE_CHARS / 2 ? cut : SAMPLE_CHARS;
}

export function countTextTokens(text: string, encoding: EncodingName = DEFAULT_ENCODING): { tokens: number; exact: boolean } {
  if (text.length < CACHE_MIN_CHARS) {
    return { tokens: countTokensIn(text, encoding), exact: true };
  }
  const exact = text.length <= EXACT_TOKEN_CHAR_LIMIT;
  const end = exact ? text.length : sampleEnd(text);
  const key = contentKey(text, end, encoding);
  const hit = tokenCache.get(key);
  if (hit) {
    return hit;
  }
  const c = exact ? { tokens: countTokensIn(text, encoding), exact } : { tokens: Math.ceil((text.length * countTokensIn(text.slice(0, end), encoding)) / end), exact };
  if (tokenCache.size >= CACHE_ENTRIES) {
    // Oldest first (Map keeps insertion order): bounded memory, recent conversations stay.
    const oldest = tokenCache.keys().next().value;
    if (oldest !== undefined) {
      tokenCache.delete(oldest);
    }
  }
  tokenCache.set(key, c);
  return c;
}

const FENCE = /```([A-Za-z0-9_+#.-]*)/g;
const CODE_HINT = /\b(function|def|class|import|return|const|let|var|public|private|#include|SELECT|FROM|=>|console\.log|println|printf)\b|[{};]\s*$/m;
/**
 * The task cues after code, in the order they decide (math, creative, extraction, analysis), as one
 * expression read in one pass instead of one pass per cue (≈ 35 → 13 µs on 4 000 characters of prose
 * that none matches). Its alternatives are tried in that order at each position, so a match names
 * the first task whose own expression matches there; every position where any matches is visited,
 * so the first task that matches anywhere is found, as testing each expression in turn found it.
 * Capture groups: 1 and 2 math (numbers and symbols, then words), 3 creative, 4 extraction, 5 analysis.
 */
const TASK_CUES = new RegExp(
  '(\\d+\\s*[-+*/^=]\\s*\\d+|[∑∫√π≤≥±])|\\b(?:' +
    '(solve|equation|integral|derivative|probability|how many|how much|percent|sum of|prove|calculate|compute)|' +
    '(write (?:a|an|me) (?:story|poem|song|haiku|essay|limerick)|story|poem|lyrics|fiction|imagine|creative|brainstorm|slogan)|' +
    '(extract|list all|parse|summari[sz]e|tl;?dr|classify|convert .* to json|pull out|find all)|' +
    '(analy[sz]e|compare|evaluate|explain why|pros and cons|trade-?offs?|critique|assess|implications|design|architecture|review)' +
    ')\\b',
  'gi',
);
const CUE_TASKS: readonly TaskType[] = ['math', 'math', 'creative', 'extraction', 'analysis'];
const REASONING_HINT = /\b(step by step|prove|derive|why|explain|optimi[sz]e|design|trade-?off|edge cases?|complexity)\b/gi;
const CODE_COMMANDS = /(code|refactor|fix|test|explain|generate|review)/i;

/** `encoding`: the requested model's (tokenizer.ts encodingForModel); `auto` uses the default. */
export function extractFeatures(request: ChatRequest, context?: ClientContext, encoding: EncodingName = DEFAULT_ENCODING): RequestFeatures {
  let tokens = 0;
  let exact = true;
  let totalChars = 0;
  let promptText = '';
  let hasSystemPrompt = false;
  let hasImages = false;
  let turns = 0;
  for (const m of request.messages) {
    const text = messageText(m);
    totalChars += text.length;
    const c = countTextTokens(text, encoding);
    tokens += c.tokens + TOKENS_PER_MESSAGE;
    exact &&= c.exact;
    if (m.role === 'system' || m.role === 'developer') {
      hasSystemPrompt = true;
    }
    if (m.role === 'user') {
      promptText = text;
      turns++;
    }
    if (Array.isArray(m.content) && m.content.some((p) => p.type === 'image_url')) {
      hasImages = true;
    }
  }
  if (!promptText) {
    promptText = messageText(request.messages[request.messages.length - 1] ?? { role: 'user', content: '' });
  }
  // Scans are bounded: the signals live in the first pages of a prompt, and the budget is < 1 ms.
  const scan = promptText.length > 20_000 ? promptText.slice(0, 20_000) : promptText;
  const languages = new Set<string>();
  let codeBlocks = 0;
  for (const match of scan.matchAll(FENCE)) {
    codeBlocks++;
    if (codeBlocks % 2 === 1 && match[1]) {
      languages.add(match[1].toLowerCase());
    }
  }
  codeBlocks = Math.ceil(codeBlocks / 2);
  if (context?.languageId) {
    languages.add(context.languageId.toLowerCase());
  }
  const taskType = classifyTask(scan, codeBlocks, context);
  // Counted in the first pages only: the cue count saturates at 5 anyway.
  const cueScan = scan.length > 4000 ? scan.slice(0, 4000) : scan;
  const reasoningCues = countUpTo(REASONING_HINT, cueScan, 5);
  const complexity = clamp01(
    0.25 * Math.min(1, Math.log10(1 + tokens) / 4) +
      0.2 * Math.min(1, reasoningCues / 3) +
      0.15 * Math.min(1, codeBlocks / 3) +
      0.15 * Math.min(1, turns / 8) +
      0.15 * (taskType === 'math' || taskType === 'analysis' || taskType === 'code' ? 1 : 0) +
      0.1 * Math.min(1, (context?.diagnosticsCount ?? 0) / 10),
  );
  const editor: RequestFeatures['editor'] = {};
  if (context?.command !== undefined) {
    editor.command = context.command;
  }
  if (context?.languageId !== undefined) {
    editor.languageId = context.languageId;
  }
  if (context?.selectionChars !== undefined) {
    editor.selectionChars = context.selectionChars;
  }
  if (context?.diagnosticsCount !== undefined) {
    editor.diagnosticsCount = context.diagnosticsCount;
  }
  return {
    inputTokens: tokens,
    tokenCountExact: exact,
    promptText,
    totalChars,
    turns,
    hasSystemPrompt,
    codeBlocks,
    languages: [...languages],
    hasImages,
    hasTools: (request.tools?.length ?? 0) > 0,
    taskType,
    complexity,
    editor,
  };
}

export function classifyTask(text: string, codeBlocks: number, context?: ClientContext): TaskType {
  const head = text.length > 4000 ? text.slice(0, 4000) : text;
  if (codeBlocks > 0 || (context?.command !== undefined && context.languageId !== undefined && CODE_COMMANDS.test(context.command)) || CODE_HINT.test(head)) {
    return 'code';
  }
  const cued = firstCuedTask(head);
  if (cued !== null) {
    return cued;
  }
  if (isShortQuestion(head)) {
    return 'simple';
  }
  return 'chat';
}

/** The first of CUE_TASKS whose cue `text` holds anywhere (null: none). */
function firstCuedTask(text: string): TaskType | null {
  let best = CUE_TASKS.length;
  TASK_CUES.lastIndex = 0;
  for (let m = TASK_CUES.exec(text); m !== null; m = TASK_CUES.exec(text)) {
    let g = 0;
    while (g < CUE_TASKS.length - 1 && m[g + 1] === undefined) {
      g++;
    }
    best = Math.min(best, g);
    if (best <= 1) {
      break;
    }
    // The next position, not the match's end: a later task's match may start inside this one.
    TASK_CUES.lastIndex = m.index + 1;
  }
  TASK_CUES.lastIndex = 0;
  return CUE_TASKS[best] ?? null;
}

/** `min(limit, (text.match(re) ?? []).length)` for a global `re` that never matches empty, without building the matches. */
function countUpTo(re: RegExp, text: string, limit: number): number {
  re.lastIndex = 0;
  let n = 0;
  while (n < limit && re.test(text)) {
    n++;
  }
  re.lastIndex = 0;
  return n;
}

/** JavaScript's `\s` set, which is also what `trim()` removes. */
function isSpace(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32 || c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** At most this many words make a short question. */
const SHORT_QUESTION_WORDS = 20;

/**
 * `text.trim()` ends with '?' and `text.trim().split(/\s+/)` has at most SHORT_QUESTION_WORDS
 * pieces — counted without building the trimmed text or its words (a 4 000-character prompt that
 * no cue matched spent ≈ 30–45 µs splitting itself), and stopping at the first word too many.
 */
export function isShortQuestion(text: string): boolean {
  let end = text.length;
  while (end > 0 && isSpace(text.charCodeAt(end - 1))) {
    end--;
  }
  if (end === 0 || text.charCodeAt(end - 1) !== 63) {
    return false;
  }
  let start = 0;
  while (isSpace(text.charCodeAt(start))) {
    start++;
  }
  // Between the first and the last non-space character, each run of spaces starts one more piece.
  let words = 1;
  let inSpace = false;
  for (let i = start; i < end; i++) {
    const space = isSpace(text.charCodeAt(i));
    if (space && !inSpace && ++words > SHORT_QUESTION_WORDS) {
      return false;
    }
    inSpace = space;
  }
  return true;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
