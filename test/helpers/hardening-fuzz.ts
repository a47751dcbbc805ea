import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import type { JsonSchema, RecordedRoute } from './hardening-routes.ts';
import { shipped } from './fixtures.ts';

/**
 * Hostile requests for any route of the route table (issue 9): every generated request is either
 * `malformed` — no correct server may accept it, so it must get a 4xx with a message — or
 * `shaped` like the route's own schema with hostile values, which the app may accept but must
 * never answer with a 5xx (and a refusal must change nothing).
 */

export type Mode = 'anonymous' | 'admin';

export interface Fuzzed {
  /** what kind of hostility this is, for the report */
  kind: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  remoteAddress: string;
  malformed: boolean;
}

// ---- Building blocks ----------------------------------------------------------------------------

/** Percent-encodes every byte: also bytes that are not valid UTF-8. */
export const percentBytes = (bytes: Uint8Array) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
const encodeText = (s: string) => percentBytes(Buffer.from(s, 'utf8'));

const ASCII = fc.stringMatching(/^[ -~]{0,40}$/);

/** Strings that have broken applications before. */
export const HOSTILE_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uFEFF',
  '\u202Egnp.exe',
  '\u200B',
  'e\u0301',
  '𝕏🏫',
  '\uD800',
  '\uDFFF',
  "' or '1'='1",
  "'; drop table response; --",
  '"',
  '\\',
  '<script>alert(1)</script>',
  '<%= it.t %>',
  '{{7*7}}',
  '${7*7}',
  '../../etc/passwd',
  '%00',
  '%FF',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  '1.5',
  '0x10',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '\r\n',
  '\t',
  '=cmd|" /C calc"!A0',
  'x'.repeat(6000),
  'ä'.repeat(2100),
  'nl',
  'en',
  'yes',
  'all',
  'csv',
  'html',
  'admin',
  'rep',
  'researcher',
];

export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  '__proto__.polluted',
  'constructor[prototype][polluted]',
  '__defineGetter__',
  'hasOwnProperty',
  'toString',
  '',
  ' ',
  'a.',
  'b.',
  'a.__proto__',
  'a.com_1',
  'b.role',
  'comment',
  'code',
  'lang',
  '_csrf',
  'x'.repeat(300),
];

export function hostileText(extra: readonly string[] = []): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_TEXT, ...extra) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...extra, 'x'), fc.constantFrom('\u0000', '\u0001', '\u007F', '\u0085', '\u2028', '\uFFFE', '\uDBFF'))
        .map(([s, c]) => `${s}${c}${s}`),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9A-Za-z-]{10,16}$/) },
    { weight: 1, arbitrary: fc.uuid() },
  );
}

/** A path segment: percent-encoded text, raw bytes (often invalid UTF-8), traversal, or a near-miss of a valid value. */
export function hostileSegment(valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    // (No bare `.`/`..` segments: every HTTP client resolves those before sending.)
    fc.constantFrom(
      '%FF',
      '%C0%AF',
      '%E0%A4%A',
      '%ED%A0%80',
      '%00',
      '..%2F..%2Fetc%2Fpasswd',
      '%2F',
      "'%20or%201=1--",
      '__proto__',
      'constructor',
      '00000000-0000-0000-0000-000000000000',
      'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
      `${valid}%00`,
      `${valid}x`,
      valid.slice(1),
      'a'.repeat(3000),
    ),
    hostileText()
      .filter((t) => t !== '.' && t !== '..')
      .map(encodeText),
    fc.uint8Array({ minLength: 1, maxLength: 24 }).map(percentBytes),
  );
}

const queryKey = (known: string[]) => fc.oneof(fc.constantFrom(...known, ...HOSTILE_KEYS), fc.string({ maxLength: 12 }));

/** A raw query string and whether it names a key the route's schema refuses. */
function hostileQuery(schema: JsonSchema | undefined): fc.Arbitrary<{ query: string; unknownKey: boolean }> {
  const known = Object.keys(schema?.properties ?? {});
  const strict = schema?.additionalProperties === false;
  const pairs = fc.array(fc.tuple(queryKey(known), hostileText(['1', '2', '10000', 'excel-nl', 'standard', 'created', 'published'])), {
    minLength: 1,
    maxLength: 4,
  });
  return fc.oneof(
    pairs.map((ps) => ({
      query: ps.map(([k, v]) => `${encodeText(k)}=${encodeText(v)}`).join('&'),
      unknownKey: strict && ps.some(([k]) => !known.includes(k)),
    })),
    fc
      .constantFrom('lang=nl&lang=en', 'lang=%FF', '%', '&&&', '=', 'page=-1', 'page=1e309', 'n=-5&done=x')
      .map((query) => ({ query, unknownKey: false })),
    fc
      .constantFrom('__proto__[polluted]=1', 'constructor[prototype][polluted]=1', 'zz=%E0%A4%A', 'dialect[]=x')
      .map((query) => ({ query, unknownKey: strict })),
  );
}

// ---- Bodies -------------------------------------------------------------------------------------

type Fields = Array<[string, string]>;

const urlencoded = (fields: Fields) =>
  fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, '\uFFFD'))}`).join('&');

function multipart(fields: Fields, options: { file?: { name: string; content: Buffer } } = {}): { type: string; body: Buffer } {
  const boundary = 'fuzzBoundary7MA4YWxkTrZu0gW';
  const chunks: Buffer[] = [];
  for (const [name, value] of fields)
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/["\r\n]/g, '')}"\r\n\r\n${value}\r\n`));
  if (options.file) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${options.file.name}"; filename="upload"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
    );
    chunks.push(options.file.content, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { type: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

interface Body {
  kind: string;
  type?: string;
  payload?: string | Buffer;
  malformed: boolean;
}

/** A valid value with one hostile change: a control or odd character inserted, padding, doubling. */
function mutated(seed: string): fc.Arbitrary<string> {
  const odd = fc.constantFrom(
    '\u0000',
    '\u0001',
    '\u001B',
    '\u007F',
    '\u0085',
    '\u00A0',
    '\u200B',
    '\u202E',
    '\u2028',
    '\uFEFF',
    '\uFFFE',
    '\uD800',
    '%',
    '"',
    "'",
    '<',
    ';',
    '\n',
    '\r\n',
    '\\',
    ' ',
  );
  return fc.oneof(
    fc.tuple(odd, fc.nat()).map(([c, at]) => seed.slice(0, at % (seed.length + 1)) + c + seed.slice(at % (seed.length + 1))),
    fc.constantFrom(` ${seed} `, seed.toUpperCase(), seed + seed, `${seed}\u0000`, seed.repeat(50), `-${seed}`, `${seed}.0`, `0${seed}`),
  );
}

/** Values for one property: its own literals, a plausible value and near misses of it, ids, and hostile text. */
function valueFor(key: string, schema: JsonSchema, ids: readonly string[], seeds: Seeds): fc.Arbitrary<string | string[]> {
  const literals: string[] = [];
  const collect = (s: JsonSchema) => {
    if (typeof s.const === 'string') literals.push(s.const);
    s.anyOf?.forEach(collect);
  };
  collect(schema);
  const own = [...literals, ...[seeds[key] ?? []].flat()];
  const text = own.length
    ? fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...own) },
        { weight: 3, arbitrary: fc.constantFrom(...own).chain(mutated) },
        { weight: 2, arbitrary: hostileText(ids) },
      )
    : hostileText(ids);
  if (schema.type === 'array') return fc.array(text, { maxLength: 4 });
  return text;
}

/** Plausible values per field name (several for a field like `code`), so fuzzing gets past the first check. */
export type Seeds = Record<string, string | string[]>;

/** A body with the schema's own keys and hostile values; may be valid. */
function shapedFields(schema: JsonSchema, ids: readonly string[], seeds: Seeds): fc.Arbitrary<Fields> {
  const props = Object.entries(schema.properties ?? {}).filter(([k]) => k !== '_csrf');
  const required = new Set(schema.required ?? []);
  const parts = props.map(([k, s]) => {
    const value = valueFor(k, s, ids, seeds).map((v) => [k, v] as const);
    return required.has(k)
      ? fc.oneof({ weight: 9, arbitrary: value }, { weight: 1, arbitrary: fc.constant(undefined) })
      : fc.option(value, { nil: undefined, freq: 3 });
  });
  const answer = fc.oneof(fc.constantFrom('1', '2', '3', '4', '5', '0', ''), fc.constantFrom('3').chain(mutated), hostileText());
  const extra =
    schema.additionalProperties && typeof schema.additionalProperties === 'object'
      ? fc.array(
          fc.oneof(
            { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...answerFields().filter((f) => f.startsWith('a.'))), answer) },
            {
              weight: 1,
              arbitrary: fc.tuple(
                fc.constantFrom(...answerFields().filter((f) => !f.startsWith('a.'))),
                fc.oneof(
                  fc.constantFrom('leraar', 'from5to15', 'Meer overleg graag.'),
                  fc.constantFrom('Meer overleg graag.').chain(mutated),
                  hostileText(),
                ),
              ),
            },
            { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 12 }), hostileText()) },
          ),
          { minLength: 1, maxLength: 8 },
        )
      : fc.constant([] as Array<[string, string]>);
  return fc.tuple(fc.tuple(...parts), extra).map(([values, more]) => {
    const fields: Fields = [];
    for (const v of values) {
      if (!v) continue;
      const [k, value] = v;
      for (const one of [value].flat()) fields.push([k, one]);
    }
    return [...fields, ...more];
  });
}

const answerFields = () => [
  ...shipped.themes.flatMap((t) => t.items.map((i) => `a.${i.id}`)),
  ...shipped.background.map((b) => `b.${b.id}`),
  'comment',
];

/** Bodies no schema accepts (an unknown key, the wrong shape, a broken encoding), or that break the parser. */
function malformedBody(schema: JsonSchema | undefined, ids: readonly string[], seeds: Seeds): fc.Arbitrary<Body> {
  const shaped = schema ? shapedFields(schema, ids, seeds) : fc.constant([] as Fields);
  // With a strict schema one unknown key is enough; /submit refuses unknown fields itself (422).
  // (Never a real answer field: `a.com_1=3` alone is a valid submission.)
  const unknownKeys = HOSTILE_KEYS.filter(
    (k) => !(k in (schema?.properties ?? {})) && !answerFields().includes(k) && !['code', 'lang', '_csrf'].includes(k),
  );
  const unknown = fc.tuple(fc.oneof(fc.constantFrom(...unknownKeys), fc.stringMatching(/^zz[a-z]{1,8}$/)), hostileText());
  const withUnknown = fc.tuple(shaped, unknown, fc.nat()).map(([fields, extra, at]) => {
    const out = [...fields];
    out.splice(at % (out.length + 1), 0, extra);
    return out;
  });
  const json = (v: unknown) => JSON.stringify(v);
  const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: withUnknown.map((f) => ({
        kind: 'urlencoded+unknown key',
        type: 'application/x-www-form-urlencoded',
        payload: urlencoded(f),
        malformed: true,
      })),
    },
    {
      weight: 3,
      arbitrary: withUnknown.map((f) => ({
        kind: 'json+unknown key',
        type: 'application/json',
        payload: json(Object.fromEntries(f)),
        malformed: true,
      })),
    },
    {
      weight: 2,
      arbitrary: withUnknown.map((f) => ({
        kind: 'multipart+unknown key',
        ...(({ type, body }) => ({ type, payload: body }))(multipart(f)),
        malformed: true,
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.string()), fc.string(), fc.integer(), fc.constant(null))
        .filter((v) => v === null || typeof v !== 'object' || Array.isArray(v))
        .map((v) => ({
          kind: 'json not an object',
          type: 'application/json',
          payload: json(v),
          malformed: true,
        })),
    },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(
          { kind: 'proto key (json)', type: 'application/json', payload: '{"__proto__":{"polluted":1},"code":"x"}' },
          { kind: 'constructor.prototype (json)', type: 'application/json', payload: '{"constructor":{"prototype":{"polluted":1}}}' },
          {
            kind: 'proto key (form)',
            type: 'application/x-www-form-urlencoded',
            payload: '__proto__=1&__proto__[polluted]=1&constructor[prototype][polluted]=1',
          },
          { kind: 'duplicate keys (json)', type: 'application/json', payload: '{"code":"a","code":{"$ne":1},"_csrf":{"$gt":""}}' },
          { kind: 'object token (json)', type: 'application/json', payload: '{"_csrf":{"length":1},"zz":1}' },
          { kind: 'invalid json', type: 'application/json', payload: '{"code": "x",' },
          { kind: 'json with BOM', type: 'application/json', payload: '\uFEFF{"zz":1}' },
          { kind: 'deep json array', type: 'application/json', payload: deepArray(60_000) },
          { kind: 'deep json object', type: 'application/json', payload: deepObject(40_000) },
          { kind: 'huge json number', type: 'application/json', payload: '{"zz":1e999999,"k":123456789012345678901234567890}' },
          { kind: 'utf-16 json', type: 'application/json; charset=utf-16', payload: Buffer.from('{"zz":1}', 'utf16le') },
          {
            kind: 'invalid utf-8 (form)',
            type: 'application/x-www-form-urlencoded',
            payload: Buffer.from([0x63, 0x6f, 0x64, 0x65, 0x3d, 0xff, 0xfe, 0xc0, 0xaf, 0x26, 0x7a, 0x7a, 0x3d, 0xed, 0xa0, 0x80]),
          },
          {
            kind: 'invalid utf-8 (json)',
            type: 'application/json',
            payload: Buffer.concat([Buffer.from('{"zz":"'), Buffer.from([0xff, 0xc0, 0xed, 0xa0, 0x80]), Buffer.from('"}')]),
          },
          { kind: 'invalid percent (form)', type: 'application/x-www-form-urlencoded', payload: 'zz=%E0%A4%A&%=%&code=%FF' },
          { kind: 'multipart without boundary', type: 'multipart/form-data', payload: '--x\r\n\r\n' },
          {
            kind: 'multipart truncated',
            type: 'multipart/form-data; boundary=abc',
            payload: '--abc\r\nContent-Disposition: form-data; name="zz"\r\n\r\nvalue',
          },
          {
            kind: 'multipart nameless part',
            type: 'multipart/form-data; boundary=abc',
            payload: '--abc\r\nContent-Disposition: form-data\r\n\r\nv\r\n--abc--\r\n',
          },
          { kind: 'multipart header-less part', type: 'multipart/form-data; boundary=abc', payload: '--abc\r\nv\r\n--abc--\r\n' },
          { kind: 'multipart boundary quoted empty', type: 'multipart/form-data; boundary=""', payload: '----\r\n' },
          { kind: 'text/plain', type: 'text/plain', payload: 'code=ABCD' },
          {
            kind: 'xml',
            type: 'application/xml',
            payload: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
          },
          { kind: 'no content type', type: undefined, payload: 'zz=1', optional: true },
          { kind: 'gibberish content type', type: 'x/;;;==', payload: 'zz=1' },
          { kind: 'empty json', type: 'application/json', payload: '' },
          { kind: 'empty form', type: 'application/x-www-form-urlencoded', payload: '', optional: true },
        )
        .map(({ optional, ...b }: { kind: string; type: string | undefined; payload: string | Buffer; optional?: boolean }) => ({
          ...b,
          // Without any field, a body is only wrong when the schema requires one.
          malformed: !optional || !!schema?.required?.length,
        })),
    },
    // Malformed unless they read as a form without a single field ("", "&&"): a valid request to a
    // route whose fields are all optional.
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.uint8Array({ maxLength: 200 }),
          fc.constantFrom(
            'application/json',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=zz',
            'application/octet-stream',
            'image/png',
          ),
        )
        .map(([bytes, type]) => ({
          kind: `raw bytes as ${type}`,
          type,
          payload: Buffer.from(bytes),
          malformed: type !== 'application/x-www-form-urlencoded' || new URLSearchParams(Buffer.from(bytes).toString('latin1')).size > 0,
        })),
    },
  );
}

function shapedBody(schema: JsonSchema, ids: readonly string[], seeds: Seeds): fc.Arbitrary<Body> {
  return fc.tuple(shapedFields(schema, ids, seeds), fc.constantFrom('form', 'json', 'multipart')).map(([fields, how]) => {
    if (how === 'form')
      return { kind: 'shaped form', type: 'application/x-www-form-urlencoded', payload: urlencoded(fields), malformed: false };
    if (how === 'json') {
      const obj: Record<string, string | string[]> = {};
      for (const [k, v] of fields) obj[k] = k in obj ? [obj[k]!].flat().concat(v) : v;
      return { kind: 'shaped json', type: 'application/json', payload: JSON.stringify(obj), malformed: false };
    }
    const m = multipart(fields);
    return { kind: 'shaped multipart', type: m.type, payload: m.body, malformed: false };
  });
}

// ---- Uploads ------------------------------------------------------------------------------------

const CSV_HEADERS = [
  'naam',
  'name',
  'school',
  'niveau',
  'benchmarkGroup',
  'personeel',
  'staffCount',
  'gemeente',
  'municipality',
  'Naam ',
  'NAAM',
  'zz',
  '',
];
const csvCell = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'Basisschool De Linde',
      'secundair',
      'basisonderwijs',
      '31',
      '0',
      '-4',
      '1e5',
      '100001',
      'Gent',
      '"',
      '""',
      '"a;b"',
      '"unterminated',
      'a"b',
      '=HYPERLINK("http://evil")',
      '\u0000',
      ' ',
      '',
    ),
  },
  { weight: 2, arbitrary: hostileText() },
);

/** A school CSV: plausible headers and rows with hostile cells, in any delimiter, line ending and encoding. */
export const schoolCsv: fc.Arbitrary<Buffer> = fc
  .record({
    header: fc.array(fc.constantFrom(...CSV_HEADERS), { minLength: 1, maxLength: 5 }),
    rows: fc.array(fc.array(csvCell, { minLength: 0, maxLength: 6 }), { maxLength: 8 }),
    delimiter: fc.constantFrom(';', ',', '\t', '|'),
    newline: fc.constantFrom('\n', '\r\n', '\r'),
    bom: fc.boolean(),
    encoding: fc.constantFrom('utf8', 'latin1', 'utf16le', 'broken'),
  })
  .map(({ header, rows, delimiter, newline, bom, encoding }) => {
    const text = (bom ? '\uFEFF' : '') + [header, ...rows].map((r) => r.join(delimiter)).join(newline);
    if (encoding === 'broken') return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0xc3, 0x28, 0xa0, 0xff])]);
    return Buffer.from(text, encoding as BufferEncoding);
  });

type Json = unknown;
const PATHS: string[][] = [
  ['id'],
  ['version'],
  ['title'],
  ['title', 'nl'],
  ['intro'],
  ['scales'],
  ['scales', '0', 'labels'],
  ['themes'],
  ['themes', '0'],
  ['themes', '0', 'items'],
  ['themes', '0', 'items', '0', 'id'],
  ['themes', '0', 'items', '0', 'scale'],
  ['themes', '0', 'items', '0', 'label', 'en'],
  ['themes', '1', 'id'],
  ['background'],
  ['background', '0', 'options'],
  ['comment'],
  ['comment', 'maxLength'],
  ['__proto__'],
  ['constructor'],
];

function mutate(base: Json, path: string[], value: Json | undefined): Json {
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const step of path.slice(0, -1)) {
    const next = node[step];
    if (!next || typeof next !== 'object') return copy;
    node = next as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** A questionnaire JSON text: the shipped one with hostile mutations, random JSON, or broken text. */
export const questionnaireText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.constantFrom(...PATHS),
          fc.option(fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileText(), fc.integer({ min: -5, max: 1e9 })), { nil: undefined }),
        ),
        { minLength: 1, maxLength: 3 },
      )
      .map((mutations) =>
        JSON.stringify(mutations.reduce<Json>((q, [path, v]) => mutate(q, path, v), { ...shipped, version: shipped.version + 1000 })),
      ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.nat({ max: 4000 }).map((n) => JSON.stringify(shipped).slice(0, n)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"polluted":true},"id":"x"}',
      JSON.stringify({ ...shipped, version: 9999, themes: Array.from({ length: 300 }, (_, i) => ({ ...shipped.themes[0], id: `t${i}` })) }),
      JSON.stringify({
        ...shipped,
        version: 9998,
        themes: [{ ...shipped.themes[0], items: [...shipped.themes[0]!.items, ...shipped.themes[0]!.items] }],
      }),
      '[' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5000) + ']',
    ),
  },
);

/** Upload requests for the four upload endpoints; `carry` is the hidden-field encoding of the admin console. */
export function uploadBody(url: string): fc.Arbitrary<Body> | null {
  const carry = (b: Buffer | string) => Buffer.from(b).toString('base64url');
  const asFile = (name: string, content: Buffer) => {
    const m = multipart([], { file: { name, content } });
    return { type: m.type, payload: m.body };
  };
  switch (url) {
    case '/admin/schools/import':
      return schoolCsv.map((csv) => ({ kind: 'school CSV upload', ...asFile('file', csv), malformed: false }));
    case '/admin/questionnaires/check':
      return questionnaireText.map((q) => ({ kind: 'questionnaire upload', ...asFile('file', Buffer.from(q)), malformed: false }));
    case '/admin/schools/import/commit':
      return fc
        .oneof(
          schoolCsv.map(carry),
          fc.string().map((s) => s.replace(/[^A-Za-z0-9_-]/g, '')),
        )
        .map((data) => ({
          kind: 'school CSV commit',
          type: 'application/x-www-form-urlencoded',
          payload: `data=${data}`,
          malformed: false,
        }));
    case '/admin/questionnaires/preview':
    case '/admin/questionnaires':
      return fc.tuple(questionnaireText, fc.constantFrom('nl', 'en')).map(([q, lang]) => ({
        kind: 'questionnaire carried',
        type: 'application/x-www-form-urlencoded',
        payload: `data=${carry(q)}${url.endsWith('preview') ? `&lang=${lang}` : ''}`,
        malformed: false,
      }));
    default:
      return null;
  }
}

// ---- Whole requests -----------------------------------------------------------------------------

export interface RouteFuzz {
  route: RecordedRoute;
  /** valid values of its path parameters */
  valid: Record<string, string>;
  /** valid ids for use inside bodies */
  ids: readonly string[];
  seeds: Seeds;
  mode: Mode;
}

const HEADER_NOISE = fc.record(
  {
    'x-forwarded-for': fc.oneof(fc.ipV4(), fc.constantFrom('unknown', '::1, 1.1.1.1', ' , ,', '999.999.999.999')),
    'user-agent': ASCII,
    'accept-language': fc.constantFrom('nl', 'en', '*', 'xx-YY;q=abc', ''),
    'x-forwarded-proto': fc.constantFrom('https', 'http', 'gopher'),
    'x-forwarded-host': fc.constantFrom('evil.example', 'a b', ''),
    host: fc.constantFrom('evil.example', 'localhost:99999', '[::1]', 'a..b'),
    'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x'),
    'if-none-match': ASCII,
    range: fc.constantFrom('bytes=0-0', 'bytes=-1', 'bytes=9999999999-', 'bytes=a-b'),
  },
  { requiredKeys: [] },
);

const ANON_COOKIES = fc.oneof(
  fc.constantFrom(
    'sp_session=garbage',
    `sp_session=${'a'.repeat(4000)}`,
    'sp_session=%FF%FE',
    'sp_session=s%3Aabc.def',
    '__Host-sp_session=x',
    '=; ;=',
    'sp_session',
  ),
  ASCII.map((v) => `sp_session=${v.replace(/[;,\s]/g, '')}`),
);

export function request(f: RouteFuzz): fc.Arbitrary<Fuzzed> {
  const { route, valid, ids, seeds, mode } = f;
  const names = [...route.url.matchAll(/:(\w+)|\*/g)].map((m) => m[1] ?? `*${route.url.slice(0, route.url.indexOf('*'))}`);
  const params = fc.tuple(
    ...names.map((n) =>
      fc.oneof(
        { weight: 2, arbitrary: fc.constant({ value: valid[n]!, bad: false }) },
        { weight: 3, arbitrary: hostileSegment(valid[n]!).map((value) => ({ value, bad: true })) },
      ),
    ),
  );
  const hasBody = route.method !== 'GET' && route.method !== 'HEAD';
  const upload = hasBody ? uploadBody(route.url) : null;
  const body: fc.Arbitrary<Body | null> = !hasBody
    ? fc.constant(null)
    : fc.oneof(
        { weight: 3, arbitrary: malformedBody(route.schema.body, ids, seeds) },
        ...(route.schema.body ? [{ weight: 4, arbitrary: shapedBody(route.schema.body, ids, seeds) }] : []),
        ...(upload ? [{ weight: 4, arbitrary: upload }] : []),
      );
  return fc
    .record({
      params,
      query: fc.option(hostileQuery(route.schema.querystring), { nil: undefined, freq: 2 }),
      body,
      accept: fc.constantFrom('text/html', 'application/json', '*/*', 'text/html,application/xhtml+xml;q=0.9', '', 'image/*'),
      noise: fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: HEADER_NOISE }),
      cookie: mode === 'anonymous' ? fc.option(ANON_COOKIES, { nil: undefined }) : fc.constant(undefined),
      remoteAddress: fc.oneof(fc.ipV4(), fc.ipV6()),
    })
    .map(({ params, query, body, accept, noise, cookie, remoteAddress }) => {
      let i = 0;
      const path = route.url.replace(/:(\w+)|\*/g, () => params[i++]!.value);
      const badParam = params.some((p) => p.bad);
      const url = query ? `${path}?${query.query}` : path;
      const headers: Record<string, string> = { ...noise, ...(accept ? { accept } : {}) };
      if (cookie) headers['cookie'] = cookie;
      if (body?.type) headers['content-type'] = body.type;
      else delete headers['content-type'];
      // A body that is not gzip cannot be read as gzip; keep that hostility for bodies only.
      if (!body) delete headers['content-encoding'];
      const kinds = [
        badParam && 'bad param',
        query && `query${query.unknownKey ? ' (unknown key)' : ''}`,
        body?.kind,
        headers['content-encoding'] && `content-encoding ${headers['content-encoding']}`,
      ].filter(Boolean);
      return {
        kind: kinds.join(' + ') || 'plain',
        method: route.method,
        url,
        headers,
        ...(body?.payload !== undefined ? { payload: body.payload } : {}),
        remoteAddress,
        malformed: badParam || !!query?.unknownKey || !!body?.malformed,
      };
    });
}

// ---- Judging an answer --------------------------------------------------------------------------

/** A 4xx says what is wrong: a JSON `message`, or a page with an alert or a titled message. */
export function hasMessage(res: LightMyRequestResponse): boolean {
  const type = String(res.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    try {
      const message = (res.json() as { message?: unknown }).message;
      return typeof message === 'string' && message.trim().length > 0;
    } catch {
      return false;
    }
  }
  if (type.includes('text/html')) return /role="alert"/.test(res.body) || /<main[^>]*>\s*<h1>[^<]+<\/h1>\s*<p>[^<]+<\/p>/.test(res.body);
  return false;
}

/** Nothing leaked into the prototypes of this process (the app runs in it). */
export function prototypesClean(): boolean {
  const probe = {} as Record<string, unknown>;
  return (
    probe['polluted'] === undefined &&
    Object.keys(Object.prototype).length === 0 &&
    (Array.prototype as unknown as Record<string, unknown>)['polluted'] === undefined
  );
}
