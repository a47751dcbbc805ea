/**
 * The printed report's running header as a style sheet: an `@page` margin box shows only text
 * written in CSS, and the page's CSP allows no inline style. School and wave names come from
 * admins' input, so they are written as one CSS string: quotes and backslashes escaped, control and
 * line-separator characters as hex escapes — nothing in a name can end the string or the rule.
 */
export function reportPageCss(schoolName: string, waveName: string): string {
  return `@page { @top-left { content: ${cssString(`${schoolName} · ${waveName}`)}; } }\n`;
}

export function cssString(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
  const escaped = text.replace(/["\\]/g, '\\$&').replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `);
  return `"${escaped}"`;
}
