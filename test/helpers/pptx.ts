import { unzip } from './zip.ts';

/**
 * Reading a .pptx back in tests: every XML part parsed by a small strict parser (none is
 * installed), slides in order with their chart parts, chart series, paragraphs and table rows.
 */
export interface El {
  name: string;
  attrs: Record<string, string>;
  children: Array<El | string>;
}

const NAME = '[A-Za-z_][\\w.-]*(?::[A-Za-z_][\\w.-]*)?';
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Well-formed XML 1.0 or an error: a declaration first, only allowed characters, entity references
 * that exist, matching tags, unique attributes, declared namespace prefixes, one root element.
 * Returns the element tree (no DTDs: an Office part has none).
 */
export function parseXml(xml: string, where: string): El {
  if (!xml.startsWith('<?xml ')) throw new Error(`${where}: does not begin with an XML declaration`);
  const bad = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.exec(xml);
  if (bad) throw new Error(`${where}: U+${bad[0].codePointAt(0)!.toString(16)} is not allowed in XML (at ${bad.index})`);
  let i = 0;
  const fail = (message: string) => new Error(`${where} at ${i}: ${message}`);
  const decode = (raw: string) =>
    raw.replace(/&([^;&]*)(;?)/g, (_, ref: string, semi: string) => {
      const num = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
      if (!semi || (!(ref in ENTITIES) && !num)) throw fail(`bad reference &${ref}${semi}`);
      return num ? String.fromCodePoint(parseInt(num[1] ?? num[2]!, num[1] ? 16 : 10)) : ENTITIES[ref]!;
    });
  const doc: El = { name: '#document', attrs: {}, children: [] };
  const stack: Array<{ el: El; prefixes: Set<string> }> = [{ el: doc, prefixes: new Set(['xml', 'xmlns']) }];
  const declared = (qname: string, prefixes: Set<string>) => !qname.includes(':') || prefixes.has(qname.split(':')[0]!);
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const end = lt === -1 ? xml.length : lt;
    if (end > i) {
      const raw = xml.slice(i, end);
      if (raw.includes(']]>')) throw fail(']]> in text');
      if (stack.length === 1 && raw.trim()) throw fail('text outside the root element');
      if (stack.length > 1) stack.at(-1)!.el.children.push(decode(raw));
      i = end;
      if (lt === -1) break;
    }
    const skip = (open: string, close: string) => {
      if (!xml.startsWith(open, i)) return false;
      const to = xml.indexOf(close, i + open.length);
      if (to < 0) throw fail(`unclosed ${open}`);
      if (open === '<![CDATA[') stack.at(-1)!.el.children.push(xml.slice(i + open.length, to));
      i = to + close.length;
      return true;
    };
    if (skip('<?', '?>') || skip('<!--', '-->')) continue;
    if (xml.startsWith('<![CDATA[', i) && stack.length > 1 && skip('<![CDATA[', ']]>')) continue;
    if (xml.startsWith('<!', i)) throw fail('DTD or unknown markup');
    if (xml.startsWith('</', i)) {
      const endTag = new RegExp(`</(${NAME})\\s*>`, 'y');
      endTag.lastIndex = i;
      const m = endTag.exec(xml);
      if (!m) throw fail('malformed end tag');
      const open = stack.pop()!;
      if (stack.length === 0 || open.el.name !== m[1]) throw fail(`</${m[1]}> closes <${open.el.name}>`);
      i = endTag.lastIndex;
      continue;
    }
    const startTag = new RegExp(`<(${NAME})`, 'y');
    startTag.lastIndex = i;
    const s = startTag.exec(xml);
    if (!s) throw fail('malformed start tag');
    const el: El = { name: s[1]!, attrs: {}, children: [] };
    const attr = new RegExp(`\\s+(${NAME})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, 'y');
    let j = startTag.lastIndex;
    attr.lastIndex = j;
    for (let a = attr.exec(xml); a; a = attr.exec(xml)) {
      if (a[1]! in el.attrs) throw fail(`attribute ${a[1]} twice on <${el.name}>`);
      el.attrs[a[1]!] = decode(a[2] ?? a[3]!);
      j = attr.lastIndex;
    }
    const close = /\s*(\/?)>/y;
    close.lastIndex = j;
    const c = close.exec(xml);
    if (!c) throw fail(`malformed tag <${el.name}`);
    const prefixes = new Set(stack.at(-1)!.prefixes);
    for (const name of Object.keys(el.attrs)) if (name.startsWith('xmlns:')) prefixes.add(name.slice(6));
    for (const qname of [el.name, ...Object.keys(el.attrs)]) if (!declared(qname, prefixes)) throw fail(`undeclared prefix in ${qname}`);
    if (stack.length === 1 && doc.children.length) throw fail('a second root element');
    stack.at(-1)!.el.children.push(el);
    if (!c[1]) stack.push({ el, prefixes });
    i = close.lastIndex;
  }
  if (stack.length !== 1) throw new Error(`${where}: <${stack.at(-1)!.el.name}> is never closed`);
  const root = doc.children[0];
  if (!root || typeof root === 'string') throw new Error(`${where}: no root element`);
  return root;
}

export const all = (el: El, name: string): El[] =>
  el.children.flatMap((c) => (typeof c === 'string' ? [] : [...(c.name === name ? [c] : []), ...all(c, name)]));
export const first = (el: El, name: string): El | undefined => all(el, name)[0];
export const textOf = (el: El): string => el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');

export interface Deck {
  /** every XML part, parsed; embedded workbooks' parts as `<workbook>!<part>` */
  xml: Map<string, El>;
  /** ppt/slides/slideN.xml in order */
  slides: El[];
  /** the chart part of each slide, if it has one */
  chartOf: Array<El | undefined>;
  charts: El[];
}

export async function readDeck(buffer: Buffer, label: string): Promise<Deck> {
  const xml = new Map<string, El>();
  const read = async (files: Map<string, Buffer>, prefix: string) => {
    for (const [name, data] of files) {
      if (/\.(xml|rels)$/.test(name)) xml.set(prefix + name, parseXml(data.toString('utf8'), `${label}: ${prefix}${name}`));
      else if (name.endsWith('.xlsx')) await read(await unzip(data), `${prefix}${name}!`);
    }
  };
  const files = await unzip(buffer);
  await read(files, '');
  const numbered = (re: RegExp) =>
    [...xml.keys()].filter((n) => re.test(n)).sort((a, b) => Number(/(\d+)\.xml$/.exec(a)![1]) - Number(/(\d+)\.xml$/.exec(b)![1]));
  const slideNames = numbered(/^ppt\/slides\/slide\d+\.xml$/);
  const chartOf = slideNames.map((name) => {
    const rels = xml.get(name.replace('slides/', 'slides/_rels/') + '.rels')!;
    const target = all(rels, 'Relationship')
      .map((r) => r.attrs['Target']!)
      .find((t) => /charts\/chart\d+\.xml$/.test(t));
    return target ? xml.get(`ppt/charts/${/chart\d+\.xml$/.exec(target)![0]}`) : undefined;
  });
  return {
    xml,
    slides: slideNames.map((n) => xml.get(n)!),
    chartOf,
    charts: numbered(/^ppt\/charts\/chart\d+\.xml$/).map((n) => xml.get(n)!),
  };
}

export interface Series {
  name: string;
  categories: string[];
  /** value by point index; a missing point or an empty one is a value left out */
  values: Map<number, string>;
}

export function seriesOf(chart: El): Series[] {
  return all(chart, 'c:ser').map((ser) => ({
    name: all(first(ser, 'c:tx')!, 'c:v').map(textOf).join(''),
    categories: all(first(ser, 'c:cat')!, 'c:pt').map((pt) => textOf(first(pt, 'c:v')!)),
    values: new Map(all(first(ser, 'c:val')!, 'c:pt').map((pt) => [Number(pt.attrs['idx']), textOf(first(pt, 'c:v')!)])),
  }));
}

/** The words on a slide, one string a paragraph (`a:p`), as a person reads them. */
export const paragraphs = (el: El) => all(el, 'a:p').map((p) => all(p, 'a:t').map(textOf).join(''));
export const tableRows = (slide: El) => all(slide, 'a:tr').map((tr) => all(tr, 'a:tc').map((tc) => paragraphs(tc).join('\n')));
