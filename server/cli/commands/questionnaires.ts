import { CLI_ACTOR, type Command, readText, refuse, withStore } from '../command.ts';

export const questionnaireCommands: Record<string, Command> = {
  'questionnaire:publish': {
    summary: 'validate and publish a questionnaire version',
    synopsis: 'questionnaire:publish FILE',
    description: [
      'Validate a questionnaire JSON file and publish it as an immutable version. Errors name the JSON path.',
      'A new version of an existing key must have a higher version and keep every earlier item id in its theme.',
    ],
    positionals: 1,
    run: async ({ positionals, config, io }) => {
      const file = positionals[0]!;
      const text = await readText(file);
      const { publishQuestionnaireText } = await import('../../admin/questionnaires.ts');
      const result = await withStore(config, (store) => publishQuestionnaireText(store.db, text, CLI_ACTOR));
      if (!result.ok) refuse(`${file}: nothing was published:`, result.problems);
      const q = result.value.questionnaire;
      io.out(`Published ${q.id} version ${q.version}: ${result.value.id}\n`);
    },
  },
};
