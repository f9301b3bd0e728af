/** A word a POSIX shell reads back as exactly `text`, so commands we print are safe to paste. */
export function shellQuote(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
