import { readFile } from 'node:fs/promises';
import { describe, it, expect } from 'vitest';
import { QuestionnaireSchema } from '../../surveys/schema.ts';
import { SCHEMA_FILE, schemaText } from '../../scripts/write-schema.ts';

describe('surveys/questionnaire.schema.json', () => {
  it('equals what scripts/write-schema.ts generates from QuestionnaireSchema', async () => {
    const committed: unknown = JSON.parse(await readFile(SCHEMA_FILE, 'utf8'));
    // JSON round trip drops TypeBox's symbol keys, exactly as the script's JSON.stringify does.
    const expected: unknown = JSON.parse(JSON.stringify(QuestionnaireSchema));
    expect(committed, 'run: npx tsx scripts/write-schema.ts').toEqual(expected);
    expect(JSON.parse(schemaText())).toEqual(expected);
  });

  it('is written as pretty JSON with a trailing newline', () => {
    const text = schemaText();
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "properties": {');
  });
});
