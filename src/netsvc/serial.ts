/**
 * Zone serials. A secondary only transfers a zone whose serial grew, and the original wrote a
 * constant 1. Ours follow the usual YYYYMMDDnn convention, derived from the serial already in
 * the file: an unchanged zone keeps its serial (and its bytes), a changed one gets
 * max(previous + 1, today's YYYYMMDD00), so serials only ever grow, even many times a day.
 */

const SERIAL_RE = /^\s*(\d{1,10})\s*;\s*serial\b/m;

export function serialOf(text: string | undefined): number | undefined {
  const m = text === undefined ? null : SERIAL_RE.exec(text);
  return m ? Number(m[1]) : undefined;
}

export function nextSerial(previous: number | undefined, today: Date): number {
  const day =
    today.getUTCFullYear() * 1_000_000 + (today.getUTCMonth() + 1) * 10_000 + today.getUTCDate() * 100;
  return previous !== undefined && previous >= day ? previous + 1 : day;
}

/** The zone text to write: the previous file itself when nothing but the serial would differ. */
export function settleZone(
  previous: string | undefined,
  render: (serial: number) => string,
  today: Date,
): { text: string; serial: number } {
  const old = serialOf(previous);
  if (old !== undefined && render(old) === previous) return { text: previous as string, serial: old };
  const serial = nextSerial(old, today);
  return { text: render(serial), serial };
}
