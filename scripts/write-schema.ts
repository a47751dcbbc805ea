/**
 * Writes surveys/questionnaire.schema.json from the TypeBox `QuestionnaireSchema` (the only
 * definition of the format, design §2), so editors can validate questionnaire files.
 * Run: `npx tsx scripts/write-schema.ts`. A test checks the committed file is up to date.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { QuestionnaireSchema } from '../surveys/schema.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../surveys/questionnaire.schema.json', import.meta.url));

/** The file's exact text: pretty JSON (2 spaces) and a trailing newline. */
export function schemaText(): string {
  return `${JSON.stringify(QuestionnaireSchema, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(SCHEMA_FILE, schemaText());
  console.log(`wrote ${SCHEMA_FILE}`);
}
