// A Bloom filter of the request ids in one cold-segment frame (coldSegments.ts keeps one per frame
// in the segment's `.ids` sidecar). A lookup by id reads only the frames whose filter may hold the
// id. Ids are time-ordered only by when they were made, not by when their row was recorded (a
// route/estimate id can be recorded much later), so a frame's time range cannot rule an id out.
//
// 16 bits and 11 probes per id: a false positive about once in 2,000 frames (a wasted read of
// one frame, about 1,000 rows), for 2 kB per 1,000-row frame beside its tens of kB of gzip.

const BITS_PER_ID = 16;
const PROBES = 11;

/** The two hashes every probe of one id is derived from (double hashing). */
export interface IdProbe {
  readonly h1: number;
  readonly h2: number;
}

export function probeOf(id: string): IdProbe {
  // FNV-1a over the UTF-16 units, and a second pass with another basis, each finalised by
  // MurmurHash3's fmix32 so nearby ids spread over the whole filter.
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // An odd step visits distinct bits for every probe whenever the filter's size is a power of two,
  // and well spread ones otherwise.
  return { h1: fmix32(a), h2: fmix32(b) | 1 };
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The filter's bytes for `ids` (at least 8 bytes). */
export function idFilterOf(ids: readonly string[]): Buffer {
  const bytes = Math.max(8, Math.ceil((ids.length * BITS_PER_ID) / 8));
  const bits = Buffer.alloc(bytes);
  const m = bytes * 8;
  for (const id of ids) {
    const { h1, h2 } = probeOf(id);
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0;
      const at = bit % m;
      bits[at >>> 3] = (bits[at >>> 3] as number) | (1 << (at & 7));
    }
  }
  return bits;
}

/** False only when the id is certainly not among those the filter was made of. */
export function filterMayHold(bits: Uint8Array, probe: IdProbe): boolean {
  const m = bits.byteLength * 8;
  if (m === 0) {
    return true;
  }
  for (let i = 0; i < PROBES; i++) {
    const at = ((probe.h1 + Math.imul(i, probe.h2)) >>> 0) % m;
    if (((bits[at >>> 3] as number) & (1 << (at & 7))) === 0) {
      return false;
    }
  }
  return true;
}
