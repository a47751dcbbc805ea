/**
 * The report's running header is written into a style sheet from names admins type: no name may
 * end the CSS string or the rule (a name is data, never style).
 */
import { describe, expect, it } from 'vitest';
import { cssString, reportPageCss } from '../server/dashboards/report-page.ts';

/** Reads a CSS string token from the start of `css` as a CSS tokenizer would; returns its value and the rest. */
function readString(css: string): { value: string; rest: string } {
  if (css[0] !== '"') throw new Error('not a string');
  let value = '';
  for (let i = 1; i < css.length; i++) {
    const c = css[i]!;
    if (c === '"') return { value, rest: css.slice(i + 1) };
    if (c === '\n') throw new Error('unescaped newline ends the string as bad');
    if (c === '\\') {
      const hex = /^[0-9a-fA-F]{1,6} ?/.exec(css.slice(i + 1));
      if (hex) {
        value += String.fromCodePoint(Number.parseInt(hex[0].trim(), 16));
        i += hex[0].length;
      } else value += css[++i]!;
      continue;
    }
    value += c;
  }
  throw new Error('unterminated string');
}

describe('the report page style sheet', () => {
  const hostile = [
    'Sint-Jan "De Brug"',
    'a\\"; } body { display: none } /*',
    'line\nbreak\r\u2028\u0000end',
    '";}@import url(//evil);',
    'École Ønskeø 学校',
  ];

  it('writes any name as one CSS string with the same text', () => {
    for (const name of hostile) {
      const { value, rest } = readString(cssString(name));
      expect(value).toBe(name);
      expect(rest).toBe('');
    }
  });

  it('is one @page rule whose only declaration is the header', () => {
    const css = reportPageCss(hostile[1]!, hostile[3]!);
    expect(css.startsWith('@page { @top-left { content: ')).toBe(true);
    const { value, rest } = readString(css.slice('@page { @top-left { content: '.length));
    expect(value).toBe(`${hostile[1]} · ${hostile[3]}`);
    expect(rest).toBe('; } }\n');
  });
});
