// How money, tokens and times read everywhere in the UI (status bar, answer header, dashboard),
// so one request shows the same figures in each place. Pure and browser-safe.

/** `$0.0123`; small amounts keep enough digits to be non-zero, null is "price unknown", never $0. */
export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return 'price unknown';
  }
  const abs = Math.abs(value);
  if (abs === 0) {
    return '$0.00';
  }
  if (abs >= 100) {
    return `$${value.toFixed(0)}`;
  }
  if (abs >= 1) {
    return `$${value.toFixed(2)}`;
  }
  if (abs >= 0.0001) {
    // Four decimals, trailing zeros trimmed down to cents: $0.0123, $0.42.
    return `$${value.toFixed(4).replace(/(\.\d\d\d*?)0+$/, '$1')}`;
  }
  if (abs < 0.000001) {
    return value > 0 ? '<$0.000001' : '-<$0.000001';
  }
  // Two significant digits, trailing zeros trimmed: $0.000056, $0.000001.
  return `$${value.toPrecision(2).replace(/(\.\d*?)0+$/, '$1')}`;
}

export function formatTokens(value: number): string {
  if (value >= 1_000_000) {
    return `${(value / 1_000_000).toFixed(1)}M`;
  }
  if (value >= 10_000) {
    return `${Math.round(value / 1000)}k`;
  }
  return String(value);
}

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '—';
  }
  return value >= 10_000 ? `${(value / 1000).toFixed(0)} s` : value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

/** Local wall-clock time, `14:03:07`, for today's table; older rows get the date too. */
export function formatTime(ts: number, now: number = Date.now()): string {
  const d = new Date(ts);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const sameDay = new Date(now).toDateString() === d.toDateString();
  return sameDay ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** `21%`; a share that is above zero but rounds to 0 reads `<1%` (it is not nothing). */
export function formatPercent(fraction: number): string {
  if (fraction > 0 && fraction < 0.005) {
    return '<1%';
  }
  return `${Math.round(fraction * 100)}%`;
}
