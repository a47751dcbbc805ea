/**
 * A one-dimensional smallint[] in PostgreSQL's text output (`{1,2,NULL,-3}`), read without a
 * string per element. Anything else — another dimension, quotes, a non-integer — is refused rather
 * than misread.
 */
export function parseSmallintArray(text: string): (number | null)[] {
  const out: (number | null)[] = [];
  const end = text.length - 1;
  if (text.charCodeAt(0) !== 0x7b /* { */ || text.charCodeAt(end) !== 0x7d /* } */) throw new SyntaxError(`not an array: ${text}`);
  if (end === 1) return out;
  let i = 1;
  while (i <= end) {
    if (text.startsWith('NULL', i)) {
      out.push(null);
      i += 4;
    } else {
      const negative = text.charCodeAt(i) === 0x2d; /* - */
      if (negative) i++;
      const start = i;
      let value = 0;
      for (let c = text.charCodeAt(i); c >= 0x30 && c <= 0x39; c = text.charCodeAt(++i)) value = value * 10 + (c - 0x30);
      if (i === start) throw new SyntaxError(`not a smallint array: ${text}`);
      out.push(negative ? -value : value);
    }
    const c = text.charCodeAt(i);
    if (c !== 0x2c /* , */ && i !== end) throw new SyntaxError(`not a smallint array: ${text}`);
    i++;
  }
  return out;
}
