// Server-sent events arrive in arbitrary chunks; this turns any chunking back into whole events
// (per the WHATWG EventSource rules we rely on: `event:`/`data:` fields, blank line ends an event).
export interface SseEvent {
  event: string | null;
  data: string;
}

export class SseDecoder {
  private buffer = '';
  private event: string | null = null;
  private data: string[] = [];

  push(text: string): SseEvent[] {
    this.buffer += text;
    const out: SseEvent[] = [];
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const sep = this.buffer.startsWith('\r\n', nl) ? 2 : 1;
      // A lone trailing \r may be the first half of \r\n: wait for more input.
      if (sep === 1 && this.buffer[nl] === '\r' && nl === this.buffer.length - 1) {
        break;
      }
      this.buffer = this.buffer.slice(nl + sep);
      this.line(line, out);
    }
    return out;
  }

  /** Whatever is still buffered when the stream closes (an event without its blank line). */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.buffer.length > 0) {
      this.line(this.buffer, out);
      this.buffer = '';
    }
    this.line('', out);
    return out;
  }

  /** True when bytes of an unfinished event are pending: a stream closed here was cut. */
  get pending(): boolean {
    return this.buffer.length > 0 || this.data.length > 0;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        out.push({ event: this.event, data: this.data.join('\n') });
      }
      this.event = null;
      this.data = [];
      return;
    }
    if (line.startsWith(':')) {
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      this.event = value;
    } else if (field === 'data') {
      this.data.push(value);
    }
  }
}
