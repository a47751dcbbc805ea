import { Type } from '@sinclair/typebox';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { groupCounts } from '../lists.ts';
import { isUuid } from '../../platform/problems.ts';
import type { SchoolChoice } from '../school-choice.ts';
import { PROVINCES } from '../schools.ts';

/**
 * The form fields that choose schools (web/views/admin/_school-choice.eta): a benchmark group, a
 * province, municipalities, pasted school numbers, and a button that previews the choice without saving.
 */
export const ChoiceFields = {
  group: Type.Optional(Type.String({ maxLength: 100 })),
  province: Type.Optional(Type.String({ maxLength: 100 })),
  municipalities: Type.Optional(Type.String({ maxLength: 20_000 })),
  numbers: Type.Optional(Type.String({ maxLength: 200_000 })),
  preview: Type.Optional(Type.Literal('1')),
};

export interface ChoiceValues {
  group: string;
  province: string;
  municipalities: string;
  numbers: string;
}

export const choiceValues = (
  v: {
    group?: string | undefined;
    province?: string | undefined;
    municipalities?: string | undefined;
    numbers?: string | undefined;
  } | null,
): ChoiceValues => ({
  group: v?.group ?? '',
  province: v?.province ?? '',
  municipalities: v?.municipalities ?? '',
  numbers: v?.numbers ?? '',
});

/** Names to show (a long paste is named in part, with its count). */
const named = (xs: string[]) => ({ count: xs.length, text: xs.slice(0, 200).join(', ') + (xs.length > 200 ? ', …' : '') });

/**
 * What the partial shows: the groups with their school counts, the schools already chosen (kept as
 * checkboxes: a rep's current schools), the fields as entered, and the preview when asked for.
 */
export async function schoolChoiceModel(
  db: Kysely<Database>,
  options: { kept: string[]; values: ChoiceValues; preview: SchoolChoice | null },
) {
  const ids = [...new Set(options.kept.filter(isUuid))];
  const kept = ids.length
    ? await db
        .selectFrom('school')
        .select(['id', 'name', 'instellingsnummer', 'benchmark_group'])
        .where('id', 'in', ids)
        .orderBy(sql`lower(name)`)
        .orderBy('id')
        .execute()
    : [];
  const groups = await groupCounts(db);
  return {
    groups,
    provinces: PROVINCES,
    activeCount: groups.reduce((a, g) => a + g.schools, 0),
    kept: kept.map((s) => ({ id: s.id, name: s.name, number: s.instellingsnummer, benchmarkGroup: s.benchmark_group })),
    values: options.values,
    preview: options.preview
      ? {
          count: options.preview.ids.length,
          sample: options.preview.sample,
          more: Math.max(0, options.preview.ids.length - options.preview.sample.length),
          unknownNumbers: named(options.preview.unknownNumbers),
          badNumbers: named(options.preview.badNumbers),
          unknownMunicipalities: named(options.preview.unknownMunicipalities),
        }
      : null,
  };
}
