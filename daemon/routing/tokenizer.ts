// BPE token counting, loaded on first use. gpt-tokenizer's default entry point evaluates the whole
// o200k rank table as JavaScript source at start-up (about 70 MB resident, measured); here the
// ranks are read from the library's plain `.tiktoken` data files only when a count is first
// needed, and each encoding is loaded once and shared by every model family that uses it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GptEncoding } from 'gpt-tokenizer/GptEncoding';

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

const loaded = new Map<EncodingName, GptEncoding>();

// The bundle ships the data files in dist/tokenizer/ (esbuild.mjs); under tests (tsx) they are
// read from node_modules. Literal paths so the bundler leaves them as runtime resolutions.
function ranksPath(name: EncodingName): string {
  const beside = join(__dirname, 'tokenizer', `${name}.tiktoken`);
  if (existsSync(beside)) {
    return beside;
  }
  return name === 'o200k_base' ? require.resolve('gpt-tokenizer/data/o200k_base.tiktoken') : require.resolve('gpt-tokenizer/data/cl100k_base.tiktoken');
}

/**
 * Parses a `.tiktoken` file ("<base64 bytes> <rank>" per line) into gpt-tokenizer's rank list:
 * the token as a string when its bytes are valid UTF-8 on their own, else the raw bytes (the same
 * list as the library's generated `bpeRanks` modules, checked by a unit test).
 */
export function parseTiktoken(data: Buffer): (string | number[])[] {
  const ranks: (string | number[])[] = [];
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const text = data.toString('latin1');
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) {
      end = text.length;
    }
    const space = text.indexOf(' ', start);
    if (space > start && space < end) {
      const bytes = Buffer.from(text.slice(start, space), 'base64');
      const rank = Number(text.slice(space + 1, end));
      let token: string | number[];
      try {
        // A leading byte-order mark stays bytes, as in the library's own tables.
        token = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? [...bytes] : strict.decode(bytes);
      } catch {
        token = [...bytes];
      }
      ranks[rank] = token;
    }
    start = end + 1;
  }
  return ranks;
}

/** The shared encoder for `name`, read from disk the first time it is asked for. */
export function encoder(name: EncodingName): GptEncoding {
  let e = loaded.get(name);
  if (e === undefined) {
    const ranks = parseTiktoken(readFileSync(ranksPath(name)));
    e = GptEncoding.getEncodingApi(name, () => ranks);
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
    try {
      return encoder(encoding).countTokens(text);
    } catch (e) {
      unavailable.add(encoding);
      console.error(`[routing] cannot load the ${encoding} tokenizer table (${(e as Error).message}); estimating tokens from text length instead — reinstall to restore exact counts`);
    }
  }
  return Math.ceil(text.length / 4);
}

/** Which encodings this process has loaded (for tests and the memory bench). */
export function loadedEncodings(): EncodingName[] {
  return [...loaded.keys()];
}
