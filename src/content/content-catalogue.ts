import { commandsFile } from '../../dialogs/shared/commands';
import { naturalAnswersFile } from '../../dialogs/shared/natural-answers';
import { rolesFile } from '../../dialogs/shared/role-words';
import { smallTalkFile } from '../../dialogs/shared/small-talk';
import { precheckFile } from '../../dialogs/precheck/precheck-criteria';
import { siteConfigSchema } from '../config/site-schema';
import { cantoneseFile } from '../i18n/fold-chinese';
import { supportedLocales } from '../i18n/locales';
import { nluFile } from '../nlu/nlu-data';
import { classifierSettingsFile } from '../nlu/question-recognizer';
import { medicalDecisionLexiconSchema } from '../safety/medical-decision-detector';
import { redFlagClassifierSettingsSchema } from '../safety/red-flag-classifier';
import { redFlagLexiconSchema } from '../safety/red-flag-lexicon';
import { approvalsSchema } from './content-approval';
import { type ContentFile, contentFile } from './content-files';
import { termsFile } from './terms-file';
import { topicsFile } from './topics-file';

/** content/safety/red-flags.json: the emergency signs (the safety net and the content export read it). */
export const redFlagsFile = contentFile('content/safety/red-flags.json', redFlagLexiconSchema);
/** content/safety/medical-decision-lexicon.json: requests for a medical decision the bot must not make. */
export const medicalDecisionFile = contentFile('content/safety/medical-decision-lexicon.json', medicalDecisionLexiconSchema);
/** content/safety/red-flag-classifier.json: the learned doubt tier's settings and calibrated thresholds. */
export const redFlagClassifierFile = contentFile('content/safety/red-flag-classifier.json', redFlagClassifierSettingsSchema);
/** content/approved.json: the approved content versions (an absent file means none; see content-approval.ts). */
export const approvalsContentFile = contentFile('content/approved.json', approvalsSchema);
/** content/site.example.json: the example site file (SITE_CONFIG_PATH may name another, read by loadConfig). */
export const exampleSiteFile = contentFile('content/site.example.json', siteConfigSchema);

/**
 * Every file under content/ with its one schema, declared next to the code that reads it. Nothing at run time
 * walks this list: tests/content/content-files.test.ts checks that every file under content/ is here exactly once
 * and matches its schema.
 */
export const contentCatalogue: readonly ContentFile<unknown>[] = [
  topicsFile,
  precheckFile,
  commandsFile,
  rolesFile,
  smallTalkFile,
  naturalAnswersFile,
  termsFile,
  cantoneseFile,
  redFlagsFile,
  medicalDecisionFile,
  redFlagClassifierFile,
  classifierSettingsFile,
  ...supportedLocales.map((locale) => nluFile(locale)),
  approvalsContentFile,
  exampleSiteFile,
];
