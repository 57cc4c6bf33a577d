// Canonical requests carry images as OpenAI does: a `data:` URL or an http(s) URL. Providers
// that want base64 and a media type separately get them from here.
export interface InlineImage {
  mediaType: string;
  base64: string;
}

export function parseDataUrl(url: string): InlineImage | null {
  const m = /^data:([\w.+-]+\/[\w.+-]+)(?:;[\w-]+=[^;,]*)*;base64,(.*)$/s.exec(url);
  return m && m[1] && m[2] !== undefined ? { mediaType: m[1], base64: m[2] } : null;
}

export function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}
