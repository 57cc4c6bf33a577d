// BPE token counting, loaded on first use. Each encoding's rank table is read only when a count
// is first needed, into typed arrays (bpeTable.ts, about 2–4 MB) instead of gpt-tokenizer's
// Map of strings (about 15 MB of heap for o200k), and shared by every model family that uses it.
// Counts equal gpt-tokenizer's (test/unit/routing/bpe.test.ts); text that looks like a special
// token (`<|endoftext|>`) is counted as the text it is, as a provider reads a user's message.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BpeCounter } from './bpe';
import { deserializeTable, parseTiktoken, type BpeTable } from './bpeTable';

export type EncodingName = 'o200k_base' | 'cl100k_base';

/**
 * Routing counts tokens before a model is chosen, and most providers' tokenizers are not public:
 * cl100k is the estimate for them and for `auto`, and its table is about half of o200k's.
 */
export const DEFAULT_ENCODING: EncodingName = 'cl100k_base';

// OpenAI's families since gpt-4o use o200k (tiktoken's model map); older ones and every other
// provider are counted with the default.
const O200K_MODEL = /^(?:openai\/)?(?:gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4|codex)/i;

/** The encoding that counts `modelId`'s tokens (best effort for providers with private tokenizers). */
export function encodingForModel(modelId: string | undefined): EncodingName {
  return modelId !== undefined && O200K_MODEL.test(modelId) ? 'o200k_base' : DEFAULT_ENCODING;
}

const loaded = new Map<EncodingName, BpeCounter>();

/**
 * The encoding's rank table: the build's compact form beside the bundle (`dist/tokenizer/<name>.bpe`,
 * written by scripts/tokenizerTables.ts, so loading is one read), else parsed from gpt-tokenizer's
 * `.tiktoken` data file (tests and scripts under tsx). Literal paths so the bundler leaves them be.
 */
export function loadTable(name: EncodingName, builtDir = join(__dirname, 'tokenizer')): BpeTable {
  const built = join(builtDir, `${name}.bpe`);
  if (existsSync(built)) {
    return deserializeTable(readFileSync(built));
  }
  return parseTiktoken(readFileSync(tiktokenPath(name)));
}

export function tiktokenPath(name: EncodingName): string {
  return name === 'o200k_base' ? require.resolve('gpt-tokenizer/data/o200k_base.tiktoken') : require.resolve('gpt-tokenizer/data/cl100k_base.tiktoken');
}

/** The shared counter for `name`, its table read the first time it is asked for. */
export function encoder(name: EncodingName): BpeCounter {
  let e = loaded.get(name);
  if (e === undefined) {
    e = new BpeCounter(loadTable(name), name);
    loaded.set(name, e);
  }
  return e;
}

const unavailable = new Set<EncodingName>();

/**
 * Exact BPE count of `text` in `encoding`. If the rank table cannot be read (a broken install),
 * routing must still work: it falls back to a length estimate and says so once on stderr.
 */
export function countTokensIn(text: string, encoding: EncodingName = DEFAULT_ENCODING): number {
  if (!unavailable.has(encoding)) {
    // Only loading can fail; counting any string cannot (gpt-tokenizer threw on special-token
    // text, which used to switch the encoding to estimates for the rest of the process).
    let counter: BpeCounter | undefined;
    try {
      counter = encoder(encoding);
    } catch (e) {
      unavailable.add(encoding);
      console.error(`[routing] cannot load the ${encoding} tokenizer table (${(e as Error).message}); estimating tokens from text length instead — reinstall to restore exact counts`);
    }
    if (counter !== undefined) {
      return counter.count(text);
    }
  }
  return Math.ceil(text.length / 4);
}

/** Which encodings this process has loaded (for tests and the memory bench). */
export function loadedEncodings(): EncodingName[] {
  return [...loaded.keys()];
}
