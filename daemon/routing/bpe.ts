// Byte-level BPE over a compact rank table (bpeTable.ts), as tiktoken describes it: split the
// text with the encoding's pre-tokenizer pattern, turn each piece into UTF-8, and merge adjacent
// parts lowest rank first until no pair is a token. Counting allocates nothing per piece: common
// ASCII pieces are found by a scan that decides them as the pattern would, the rest by the
// pattern run sticky with `test()` (only `lastIndex` is read), and the bytes and merge state live
// in scratch arrays reused across calls. Counts and ids equal gpt-tokenizer 4's with no
// special tokens allowed (checked over a large corpus by test/unit/routing/bpe.test.ts).
import { rankOf, type BpeTable } from './bpeTable';

// tiktoken's published pre-tokenizer patterns, in the form gpt-tokenizer 4 uses (the case-
// insensitive contraction group spelled out: an `i` flag would also fold \p{Lu} and \p{Ll}).
const CONTRACTION = String.raw`'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])`;
const UPPERISH = String.raw`[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`;
const LOWERISH = String.raw`[\p{Ll}\p{Lm}\p{Lo}\p{M}]`;

export const SPLIT_PATTERNS = {
  cl100k_base: [CONTRACTION, String.raw`[^\r\n\p{L}\p{N}]?\p{L}+`, String.raw`\p{N}{1,3}`, String.raw` ?[^\s\p{L}\p{N}]+[\r\n]*`, String.raw`\s+$`, String.raw`\s*[\r\n]`, String.raw`\s+(?!\S)`, String.raw`\s`].join('|'),
  o200k_base: [
    String.raw`[^\r\n\p{L}\p{N}]?${UPPERISH}*${LOWERISH}+(?:${CONTRACTION})?`,
    String.raw`[^\r\n\p{L}\p{N}]?${UPPERISH}+${LOWERISH}*(?:${CONTRACTION})?`,
    String.raw`\p{N}{1,3}`,
    String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
    String.raw`\s*[\r\n]+`,
    String.raw`\s+(?!\S)`,
    String.raw`\s+`,
  ].join('|'),
} as const;

export type SplitPattern = keyof typeof SPLIT_PATTERNS;

// ASCII characters by the classes the split patterns use (JS `\s` is \t \n \v \f \r and space).
const UPPER = 1;
const LOWER = 2;
const DIGIT = 3;
const SPACE = 4;
const OTHER = 5;
const ASCII = new Uint8Array(128).fill(OTHER);
for (let c = 0; c < 128; c++) {
  if (c >= 0x41 && c <= 0x5a) {
    ASCII[c] = UPPER;
  } else if (c >= 0x61 && c <= 0x7a) {
    ASCII[c] = LOWER;
  } else if (c >= 0x30 && c <= 0x39) {
    ASCII[c] = DIGIT;
  } else if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
    ASCII[c] = SPACE;
  }
}

const NONE = 0x7fffffff;
const DEAD = -2;
/** Pieces up to this many bytes merge by a linear scan; longer ones (runs of spaces) by a heap. */
const LINEAR_MAX = 96;

export class BpeCounter {
  // The pattern matches a non-empty piece at every position (its last alternatives take any one
  // whitespace or other character), so a sticky match from where the last one ended finds the
  // same pieces as a global scan.
  private readonly split: RegExp;
  private buf = new Uint8Array(1024);
  private next = new Int32Array(1024);
  private prev = new Int32Array(1024);
  private rank = new Int32Array(1024);
  private heap = new Float64Array(1024);
  private lone = false;
  private readonly o200k: boolean;
  /** The rank of every two-byte token by its bytes (NONE otherwise): a merge's first lookups. */
  private readonly pairs = new Int32Array(65536).fill(NONE);

  constructor(
    private readonly table: BpeTable,
    pattern: SplitPattern,
  ) {
    this.split = new RegExp(SPLIT_PATTERNS[pattern], 'uy');
    this.o200k = pattern === 'o200k_base';
    const { offsets, bytes } = table;
    for (let r = 0; r + 1 < offsets.length; r++) {
      const at = offsets[r] as number;
      if ((offsets[r + 1] as number) - at === 2) {
        this.pairs[((bytes[at] as number) << 8) | (bytes[at + 1] as number)] = r;
      }
    }
  }

  /** How many tokens `text` is (special-token text such as `<|endoftext|>` counts as text). */
  count(text: string): number {
    let total = 0;
    this.eachPiece(text, (n) => {
      total += this.piece(n, undefined);
    });
    return total;
  }

  /** The token ids of `text`, as gpt-tokenizer's `encode` with no special tokens allowed. */
  encode(text: string): number[] {
    const ids: number[] = [];
    this.eachPiece(text, (n) => {
      this.piece(n, ids);
    });
    return ids;
  }

  private eachPiece(text: string, onPiece: (bytes: number) => void): void {
    const re = this.split;
    let at = 0;
    while (at < text.length) {
      let end = text.charCodeAt(at) < 0x80 ? this.asciiPieceEnd(text, at) : -1;
      if (end < 0) {
        re.lastIndex = at;
        // A failed match cannot happen (see `split`); taking one character keeps progress if it did.
        end = re.test(text) ? re.lastIndex : at + 1;
      }
      onPiece(this.utf8(text, at, end));
      at = end;
    }
  }

  /**
   * Where the split pattern's piece starting at `i` (an ASCII character) ends, for the common
   * pieces (words with their leading space or mark, numbers, runs of marks, line breaks before
   * text), decided the way the pattern's first matching alternative decides them; -1 when the
   * answer depends on a non-ASCII character or on a run of spaces, which the pattern decides.
   */
  private asciiPieceEnd(text: string, i: number): number {
    const n = text.length;
    const c = text.charCodeAt(i);
    const kind = ASCII[c] as number;
    if (!this.o200k && c === 0x27) {
      const d = code(text, i + 1) | 0x20;
      if (d === 0x73 || d === 0x64 || d === 0x6d || d === 0x74) {
        return i + 2; // 's 'd 'm 't
      }
      const e = code(text, i + 2) | 0x20;
      if ((d === 0x6c && e === 0x6c) || (d === 0x76 && e === 0x65) || (d === 0x72 && e === 0x65)) {
        return i + 3; // 'll 've 're
      }
    }
    let j = i;
    if ((kind === SPACE && c !== 0x0a && c !== 0x0d) || kind === OTHER) {
      const d = code(text, i + 1);
      if (d >= 0x80) {
        return -1;
      }
      if (d >= 0 && (ASCII[d] as number) <= LOWER) {
        j = i + 1; // a one-character prefix before letters
      }
    }
    const first = code(text, j);
    if (first >= 0 && first < 0x80 && (ASCII[first] as number) <= LOWER) {
      return this.o200k ? this.casedWordEnd(text, j) : this.runEnd(text, j, UPPER, LOWER);
    }
    if (kind === DIGIT) {
      let k = i + 1;
      while (k < i + 3 && k < n && ASCII[text.charCodeAt(k)] === DIGIT) {
        k++;
      }
      return k < i + 3 && code(text, k) >= 0x80 ? -1 : k;
    }
    if (kind === OTHER || (c === 0x20 && code(text, i + 1) >= 0 && ASCII[code(text, i + 1)] === OTHER)) {
      const k = this.runEnd(text, c === 0x20 ? i + 1 : i, OTHER, OTHER);
      if (k < 0) {
        return -1;
      }
      // The pattern's trailing line breaks (and slashes, in o200k) belong to the piece.
      let m = k;
      let d = code(text, m);
      while (d === 0x0a || d === 0x0d || (this.o200k && d === 0x2f)) {
        d = code(text, ++m);
      }
      return m;
    }
    if (c === 0x0a || c === 0x0d) {
      let k = i + 1;
      while (code(text, k) === 0x0a || code(text, k) === 0x0d) {
        k++;
      }
      // The breaks alone, when text follows them (directly or after an indent of spaces): the
      // patterns' `\s*[\r\n]` backtracks to the last break. At the end, `\s+$` takes all.
      let m = k;
      while (code(text, m) === 0x20) {
        m++;
      }
      const d = code(text, m);
      return (d < 0 && m === k) || (d >= 0 && d < 0x80 && ASCII[d] !== SPACE) ? k : -1;
    }
    if (c === 0x20) {
      const d = code(text, i + 1);
      if (d >= 0 && d < 0x80 && ASCII[d] === DIGIT) {
        return i + 1;
      }
      if (d === 0x20) {
        // A run of spaces: before text, all but the last (which goes with the text); at the end, all.
        let m = i + 2;
        while (code(text, m) === 0x20) {
          m++;
        }
        const e = code(text, m);
        return e < 0 ? m : e < 0x80 && ASCII[e] !== SPACE ? m - 1 : -1;
      }
    }
    return -1;
  }

  /** End of the run of characters of kind `a` or `b` from `i`; -1 if a non-ASCII one ends it. */
  private runEnd(text: string, i: number, a: number, b: number): number {
    let k = i;
    for (; k < text.length; k++) {
      const d = text.charCodeAt(k);
      if (d >= 0x80) {
        return -1;
      }
      const kind = ASCII[d] as number;
      if (kind !== a && kind !== b) {
        break;
      }
    }
    return k;
  }

  /** o200k's word: capitals then small letters (or capitals alone), then a contraction if any. */
  private casedWordEnd(text: string, i: number): number {
    const upper = this.runEnd(text, i, UPPER, UPPER);
    if (upper < 0) {
      return -1;
    }
    const end = this.runEnd(text, upper, LOWER, LOWER);
    if (end < 0) {
      return -1;
    }
    if (text.charCodeAt(end) !== 0x27) {
      return end;
    }
    const d = text.charCodeAt(end + 1) | 0x20;
    if (d === 0x73 || d === 0x64 || d === 0x6d || d === 0x74) {
      return end + 2;
    }
    const e = text.charCodeAt(end + 2) | 0x20;
    return (d === 0x6c && e === 0x6c) || (d === 0x76 && e === 0x65) || (d === 0x72 && e === 0x65) ? end + 3 : end;
  }

  /** Writes `text[start..end)` as UTF-8 into `buf` (a lone surrogate as U+FFFD, like TextEncoder). */
  private utf8(text: string, start: number, end: number): number {
    if (this.buf.length < (end - start) * 3) {
      this.grow((end - start) * 3);
    }
    const buf = this.buf;
    let n = 0;
    this.lone = false;
    for (let i = start; i < end; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        buf[n++] = c;
      } else if (c < 0x800) {
        buf[n++] = 0xc0 | (c >> 6);
        buf[n++] = 0x80 | (c & 0x3f);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = i + 1 < end ? text.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
            buf[n++] = 0xf0 | (c >> 18);
            buf[n++] = 0x80 | ((c >> 12) & 0x3f);
            buf[n++] = 0x80 | ((c >> 6) & 0x3f);
            buf[n++] = 0x80 | (c & 0x3f);
            continue;
          }
          this.lone = true;
          c = 0xfffd;
        }
        buf[n++] = 0xe0 | (c >> 12);
        buf[n++] = 0x80 | ((c >> 6) & 0x3f);
        buf[n++] = 0x80 | (c & 0x3f);
      }
    }
    return n;
  }

  private grow(bytes: number): void {
    let size = this.buf.length;
    while (size < bytes + 1) {
      size *= 2;
    }
    this.buf = new Uint8Array(size);
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.rank = new Int32Array(size);
    this.heap = new Float64Array(size);
  }

  /** Tokens of the piece in `buf[0..n)`; pushes their ids to `ids` when given. */
  private piece(n: number, ids: number[] | undefined): number {
    // gpt-tokenizer looks the whole piece up by its string first. That finds every token whose
    // bytes are valid UTF-8 and do not start with a byte-order mark; a piece holding a lone
    // surrogate never matches (its bytes hold U+FFFD instead).
    if (!this.lone && !bomAt(this.buf, 0, n)) {
      const whole = rankOf(this.table, this.buf, 0, n);
      if (whole >= 0) {
        ids?.push(whole);
        return 1;
      }
    }
    const parts = n <= LINEAR_MAX ? this.mergeLinear(n) : this.mergeHeap(n);
    if (ids !== undefined) {
      for (let i = 0; i < n; i = this.next[i] as number) {
        ids.push(this.pairRank(i, this.next[i] as number));
      }
    }
    return parts;
  }

  /**
   * The rank of `buf[start..end)` as gpt-tokenizer's merge looks it up: bytes that are valid
   * UTF-8 are decoded first, and that decoding drops one leading byte-order mark, so such a
   * part ranks as the rest of it (or not at all when nothing is left).
   */
  private pairRank(start: number, end: number): number {
    const buf = this.buf;
    if (end - start === 2) {
      return this.pairs[((buf[start] as number) << 8) | (buf[start + 1] as number)] as number;
    }
    if (bomAt(buf, start, end) && validUtf8(buf, start, end)) {
      if (end - start === 3 || bomAt(buf, start + 3, end)) {
        return NONE;
      }
      const r = rankOf(this.table, buf, start + 3, end);
      return r < 0 ? NONE : r;
    }
    const r = rankOf(this.table, buf, start, end);
    return r < 0 ? NONE : r;
  }

  private initParts(n: number): void {
    const { next, prev, rank } = this;
    for (let i = 0; i < n; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
      rank[i] = i + 2 <= n ? this.pairRank(i, i + 2) : NONE;
    }
  }

  /** Merges part `at` with the part after it; re-ranks it and the part before it. */
  private mergeAt(at: number, n: number): void {
    const { next, prev, rank } = this;
    const gone = next[at] as number;
    const after = next[gone] as number;
    next[at] = after;
    rank[gone] = DEAD;
    if (after < n) {
      prev[after] = at;
      rank[at] = this.pairRank(at, next[after] as number);
    } else {
      rank[at] = NONE;
    }
    const before = prev[at] as number;
    if (before >= 0) {
      rank[before] = this.pairRank(before, after);
    }
  }

  /** Lowest rank first, leftmost among equals: gpt-tokenizer's (and tiktoken's) order. */
  private mergeLinear(n: number): number {
    this.initParts(n);
    const { next, rank } = this;
    let parts = n;
    for (;;) {
      let best = NONE;
      let at = -1;
      for (let i = 0; i < n; i = next[i] as number) {
        const r = rank[i] as number;
        if (r < best) {
          best = r;
          at = i;
        }
      }
      if (at < 0) {
        return parts;
      }
      this.mergeAt(at, n);
      parts--;
    }
  }

  /**
   * The same order from a binary heap keyed by rank then position (stale entries skipped), so a
   * piece of 50k spaces takes n log n steps instead of n².
   */
  private mergeHeap(n: number): number {
    this.initParts(n);
    const { rank, prev } = this;
    const stride = n + 1;
    let size = 0;
    const push = (key: number): void => {
      const heap = this.heap;
      let i = size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        const p = heap[parent] as number;
        if (p <= key) {
          break;
        }
        heap[i] = p;
        i = parent;
      }
      heap[i] = key;
    };
    const pop = (): number => {
      const heap = this.heap;
      const top = heap[0] as number;
      const last = heap[--size] as number;
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= size) {
          break;
        }
        if (child + 1 < size && (heap[child + 1] as number) < (heap[child] as number)) {
          child++;
        }
        if ((heap[child] as number) >= last) {
          break;
        }
        heap[i] = heap[child] as number;
        i = child;
      }
      heap[i] = last;
      return top;
    };
    // Each merge pushes at most two entries: the heap never holds more than 3n.
    if (this.heap.length < 3 * n) {
      this.heap = new Float64Array(3 * n);
    }
    for (let i = 0; i < n; i++) {
      const r = rank[i] as number;
      if (r !== NONE) {
        push(r * stride + i);
      }
    }
    let parts = n;
    while (size > 0) {
      const key = pop();
      const r = Math.floor(key / stride);
      const at = key - r * stride;
      if (rank[at] !== r) {
        continue;
      }
      this.mergeAt(at, n);
      parts--;
      const own = rank[at] as number;
      if (own !== NONE) {
        push(own * stride + at);
      }
      const before = prev[at] as number;
      if (before >= 0 && rank[before] !== NONE) {
        push((rank[before] as number) * stride + before);
      }
    }
    return parts;
  }
}

/** The UTF-16 unit at `k`, or -1 past the end. */
function code(text: string, k: number): number {
  return k < text.length ? text.charCodeAt(k) : -1;
}

function bomAt(buf: Uint8Array, start: number, end: number): boolean {
  return end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf;
}

/** Strict UTF-8 (no overlong forms, surrogates or code points above U+10FFFF). */
function validUtf8(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = buf[i] as number;
    let need: number;
    let cp: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
    } else if ((b & 0xf0) === 0xe0) {
      need = 2;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (i + need >= end) {
      return false;
    }
    for (let j = 1; j <= need; j++) {
      const c = buf[i + j] as number;
      if ((c & 0xc0) !== 0x80) {
        return false;
      }
      cp = (cp << 6) | (c & 0x3f);
    }
    if ((need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff))) {
      return false;
    }
    i += need + 1;
  }
  return true;
}
