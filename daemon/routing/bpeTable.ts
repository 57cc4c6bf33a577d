// A byte-level BPE rank table in three typed arrays instead of a Map of 100–200k strings:
// every token's bytes concatenated (`bytes`), where each rank's bytes start (`offsets`), and an
// open-addressing hash table of rank + 1 (`slots`, 0 = empty) keyed by a hash of the bytes. The
// same arrays are what `dist/tokenizer/<name>.bpe` holds, so loading the built form is one read.

export interface BpeTable {
  /** Every rank's bytes, concatenated in rank order. */
  readonly bytes: Uint8Array;
  /** Rank r's bytes are `bytes[offsets[r] .. offsets[r + 1])`; a rank the file lacks is empty. */
  readonly offsets: Uint32Array;
  /** Linear-probing hash table of rank + 1; its length is a power of two. */
  readonly slots: Uint32Array;
}

/** FNV-1a over `buf[start..end)`; the table's key. */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  }
  return h >>> 0;
}

/** The rank whose bytes are `buf[start..end)`, or -1. */
export function rankOf(table: BpeTable, buf: Uint8Array, start: number, end: number): number {
  const { bytes, offsets, slots } = table;
  const mask = slots.length - 1;
  const len = end - start;
  let i = hashBytes(buf, start, end) & mask;
  for (;;) {
    const slot = slots[i] as number;
    if (slot === 0) {
      return -1;
    }
    const rank = slot - 1;
    const from = offsets[rank] as number;
    if ((offsets[rank + 1] as number) - from === len) {
      let j = 0;
      while (j < len && bytes[from + j] === buf[start + j]) {
        j++;
      }
      if (j === len) {
        return rank;
      }
    }
    i = (i + 1) & mask;
  }
}

/** A table about 2.6× the rank count (load ≤ 0.4): short probe runs for the misses BPE makes. */
function slotCount(ranks: number): number {
  let n = 1024;
  while (n < ranks * 2.5) {
    n *= 2;
  }
  return n;
}

function indexRanks(bytes: Uint8Array, offsets: Uint32Array): Uint32Array {
  const ranks = offsets.length - 1;
  const slots = new Uint32Array(slotCount(ranks));
  const mask = slots.length - 1;
  for (let r = 0; r < ranks; r++) {
    const from = offsets[r] as number;
    const to = offsets[r + 1] as number;
    if (to === from) {
      continue;
    }
    let i = hashBytes(bytes, from, to) & mask;
    while (slots[i] !== 0) {
      i = (i + 1) & mask;
    }
    slots[i] = r + 1;
  }
  return slots;
}

const BASE64 = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  BASE64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
}

/**
 * Reads a `.tiktoken` file ("<base64 bytes> <rank>" per line) straight from its bytes: no string
 * per line or token. Ranks may come in any order; a duplicate or malformed line is an error.
 */
export function parseTiktoken(data: Uint8Array): BpeTable {
  // Pass 1: each line's rank and decoded length, to size the arrays.
  const lines: number[] = []; // triples: line start, base64 end, rank
  let maxRank = -1;
  let total = 0;
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(0x0a, start);
    if (end < 0) {
      end = data.length;
    }
    if (end > start) {
      const space = data.indexOf(0x20, start);
      if (space <= start || space >= end) {
        throw new Error(`malformed .tiktoken line at byte ${start}`);
      }
      let rank = 0;
      for (let i = space + 1; i < end; i++) {
        const d = (data[i] as number) - 0x30;
        if (d < 0 || d > 9) {
          throw new Error(`malformed rank at byte ${i}`);
        }
        rank = rank * 10 + d;
      }
      lines.push(start, space, rank);
      maxRank = Math.max(maxRank, rank);
      total += decodedLength(data, start, space);
    }
    start = end + 1;
  }
  const lengths = new Uint32Array(maxRank + 1);
  const seen = new Uint8Array(maxRank + 1);
  for (let k = 0; k < lines.length; k += 3) {
    const rank = lines[k + 2] as number;
    if (seen[rank] === 1) {
      throw new Error(`rank ${rank} appears twice`);
    }
    seen[rank] = 1;
    lengths[rank] = decodedLength(data, lines[k] as number, lines[k + 1] as number);
  }
  const offsets = new Uint32Array(maxRank + 2);
  for (let r = 0; r <= maxRank; r++) {
    offsets[r + 1] = (offsets[r] as number) + (lengths[r] as number);
  }
  // Pass 2: decode each token's base64 into its place.
  const bytes = new Uint8Array(total);
  for (let k = 0; k < lines.length; k += 3) {
    decodeBase64(data, lines[k] as number, lines[k + 1] as number, bytes, offsets[lines[k + 2] as number] as number);
  }
  return { bytes, offsets, slots: indexRanks(bytes, offsets) };
}

function decodedLength(data: Uint8Array, start: number, end: number): number {
  let pad = 0;
  if (end > start && data[end - 1] === 0x3d) {
    pad++;
    if (end - 1 > start && data[end - 2] === 0x3d) {
      pad++;
    }
  }
  if ((end - start) % 4 !== 0) {
    throw new Error(`malformed base64 at byte ${start}`);
  }
  return ((end - start) / 4) * 3 - pad;
}

function decodeBase64(data: Uint8Array, start: number, end: number, out: Uint8Array, at: number): void {
  let acc = 0;
  let bits = 0;
  for (let i = start; i < end; i++) {
    const c = data[i] as number;
    if (c === 0x3d) {
      break;
    }
    const v = BASE64[c] as number;
    if (v < 0) {
      throw new Error(`malformed base64 at byte ${i}`);
    }
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >>> bits) & 0xff;
    }
  }
}

// The built form: a 16-byte header ("BPE1", rank count, byte count, slot count), then offsets,
// slots and bytes, each 4-byte aligned so the typed arrays are views of the file's buffer.
const MAGIC = 0x31455042; // "BPE1" little-endian

export function serializeTable(table: BpeTable): Uint8Array {
  const ranks = table.offsets.length - 1;
  const size = 16 + table.offsets.byteLength + table.slots.byteLength + table.bytes.byteLength;
  const out = new Uint8Array(size);
  const header = new Uint32Array(out.buffer, 0, 4);
  header[0] = MAGIC;
  header[1] = ranks;
  header[2] = table.bytes.length;
  header[3] = table.slots.length;
  let at = 16;
  out.set(new Uint8Array(table.offsets.buffer, table.offsets.byteOffset, table.offsets.byteLength), at);
  at += table.offsets.byteLength;
  out.set(new Uint8Array(table.slots.buffer, table.slots.byteOffset, table.slots.byteLength), at);
  at += table.slots.byteLength;
  out.set(table.bytes, at);
  return out;
}

/** Views over a built table's bytes (no copy when `data` starts 4-byte aligned). */
export function deserializeTable(data: Uint8Array): BpeTable {
  const aligned = data.byteOffset % 4 === 0 ? data : data.slice();
  if (aligned.length < 16) {
    throw new Error('tokenizer table is truncated');
  }
  const header = new Uint32Array(aligned.buffer, aligned.byteOffset, 4);
  const [magic, ranks, byteCount, slotCount] = header as unknown as [number, number, number, number];
  const offsetsEnd = 16 + (ranks + 1) * 4;
  const slotsEnd = offsetsEnd + slotCount * 4;
  if (magic !== MAGIC || slotsEnd + byteCount !== aligned.length || (slotCount & (slotCount - 1)) !== 0) {
    throw new Error('tokenizer table has a wrong header or size');
  }
  const offsets = new Uint32Array(aligned.buffer, aligned.byteOffset + 16, ranks + 1);
  const slots = new Uint32Array(aligned.buffer, aligned.byteOffset + offsetsEnd, slotCount);
  // A damaged file must fail here, not read out of bounds (or probe forever) while counting.
  for (let r = 0; r < ranks; r++) {
    if ((offsets[r + 1] as number) < (offsets[r] as number)) {
      throw new Error('tokenizer table offsets are out of order');
    }
  }
  let empty = 0;
  for (let i = 0; i < slotCount; i++) {
    const slot = slots[i] as number;
    if (slot > ranks) {
      throw new Error('tokenizer table has a slot past its last rank');
    }
    if (slot === 0) {
      empty++;
    }
  }
  if (offsets[0] !== 0 || offsets[ranks] !== byteCount || empty === 0) {
    throw new Error('tokenizer table offsets do not match its bytes');
  }
  return { offsets, slots, bytes: new Uint8Array(aligned.buffer, aligned.byteOffset + slotsEnd, byteCount) };
}
