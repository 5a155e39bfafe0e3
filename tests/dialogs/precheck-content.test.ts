import { describe, expect, it } from 'vitest';
import { precheckCriteria } from '../../dialogs/precheck/precheck-criteria';
import { recognizeCommand } from '../../dialogs/shared/commands';
import { projectRoot } from '../../src/config/load-config';
import { supportedLocales } from '../../src/i18n/locales';
import { createTranslator, readLocaleResources } from '../../src/i18n/translator';

/**
 * The pre-check's text is ethics-reviewed: every question, reason and flag of content/precheck.json has its
 * words in every language, with the same placeholders, and no outcome ever says "eligible".
 */
const i18n = createTranslator(projectRoot);
const resources = readLocaleResources(projectRoot);

function strings(value: unknown, path: string, into: Map<string, string>): Map<string, string> {
  if (typeof value === 'string') into.set(path, value);
  else if (Array.isArray(value)) value.forEach((item, index) => strings(item, `${path}[${index}]`, into));
  else if (value && typeof value === 'object') for (const [key, child] of Object.entries(value)) strings(child, path ? `${path}.${key}` : key, into);
  return into;
}
const placeholders = (text: string): string[] => [...text.matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)].map((match) => match[1] ?? '').sort();

describe('pre-check wording', () => {
  it('every question, reason and flag has its text in every language', () => {
    expect.hasAssertions();
    const keys = [
      ...precheckCriteria.questions.flatMap((question) => [`precheck:questions.${question.id}.question`, `precheck:questions.${question.id}.why`]),
      ...precheckCriteria.criteria.map((criterion) => `precheck:reasons.${criterion.id}`),
      ...precheckCriteria.questions.flatMap((question) => (question.kind === 'yes-no' && question.flag ? [`precheck:flags.${question.flag}`] : [])),
    ];
    for (const locale of supportedLocales) {
      for (const key of keys) expect(i18n.exists(key, { lng: locale }), `${locale} ${key}`).toBe(true);
    }
  });

  it('the three languages have the same keys and the same placeholders', () => {
    expect.hasAssertions();
    const english = strings(resources.en['precheck'], '', new Map());
    for (const locale of supportedLocales) {
      const other = strings(resources[locale]['precheck'], '', new Map());
      const scalarKeys = (map: Map<string, string>) => [...map.keys()].filter((key) => !/\[\d+\]$/.test(key)).sort();
      expect(scalarKeys(other), locale).toEqual(scalarKeys(english));
      for (const [key, text] of english) {
        if (/\[\d+\]$/.test(key)) continue;
        expect(placeholders(other.get(key) ?? ''), `${locale} ${key}`).toEqual(placeholders(text));
      }
    }
  });

  it('never says "eligible", and no button label is a global command', () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      const all = strings(resources[locale]['precheck'], '', new Map());
      for (const [key, text] of all) {
        // "$comment" is a note for translators, never shown.
        if (key.startsWith('$')) continue;
        expect(text, `${locale} ${key}`).not.toMatch(/eligib|符合条件|符合條件|合资格|合資格/i);
      }
      const t = i18n.getFixedT(locale);
      for (const label of ['answer.yes', 'answer.no', 'answer.unsure', 'medicineAnswer.unnamed', 'medicineAnswer.none', 'outcome.choices.learn']) {
        expect(recognizeCommand(t(`precheck:${label}`)), `${locale} ${label}`).toBeUndefined();
      }
    }
  });

  it('questions about bleeding and blood pressure, their "yes" replies and the outcome say what to do if it is happening now, with the site number', () => {
    const urgent = precheckCriteria.questions.filter((question) => question.kind === 'yes-no' && question.saysWhatToDoNow).map((question) => question.id);
    expect(urgent.sort()).toEqual(['bleeding', 'blood-pressure']);
    for (const locale of supportedLocales) {
      const t = i18n.getFixedT(locale);
      for (const id of urgent) {
        for (const part of ['now', 'flaggedReply']) {
          for (const context of [undefined, 'family']) {
            const text = t(`precheck:questions.${id}.${part}`, { emergencyNumber: '120', context });
            expect(text, `${locale} ${id}.${part} ${context ?? ''}`).toMatch(/120/);
          }
        }
      }
      expect(t('precheck:outcome.urgentNow', { emergencyNumber: '120' }), locale).toMatch(/120/);
    }
  });

  it('"may be a fit" names the registry status and the date it was checked; the study team checks are worded as likely', () => {
    const likely = { en: /likely/, 'zh-Hans': /很可能/, 'zh-Hant': /很可能/ } as const;
    for (const locale of supportedLocales) {
      const raw = (resources[locale]['precheck'] as { outcome: Record<string, string> }).outcome;
      expect(placeholders(raw['registry'] ?? ''), locale).toEqual(['checkedOn', 'status']);
      expect(raw['teamChecks'], locale).toMatch(likely[locale]);
    }
    expect(precheckCriteria.explainedNotAsked.find((entry) => entry.id === 'labs-and-scan')).toMatchObject({ certainty: 'likely', sources: ['R2'] });
    expect(precheckCriteria.questions.find((question) => question.id === 'bleeding')?.sources).toContain('R2');
  });

  it('asks about anti-PD-1 as part of the first treatment after the cancer came back or spread', () => {
    const firstLine = { en: /after the cancer came back or spread/, 'zh-Hans': /复发或转移后的第一种治疗/, 'zh-Hant': /復發或轉移後的第一種治療/ } as const;
    for (const locale of supportedLocales) {
      expect(i18n.getFixedT(locale)('precheck:questions.anti-pd1.why'), locale).toMatch(firstLine[locale]);
    }
  });

  it('免疫治疗 / 打免疫针 / immunotherapy are not anti-PD-1 words: they only mean "not sure"', () => {
    for (const word of ['免疫治疗', '免疫治療', '免疫针', '免疫針', 'immunotherapy']) {
      expect(precheckCriteria.ambiguousImmuneTerms, word).toContain(word);
      expect(precheckCriteria.antiPd1Generic, word).not.toContain(word);
    }
  });
});
