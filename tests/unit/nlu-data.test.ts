import { describe, expect, it } from 'vitest';
import { parseLocaleNluData } from '../../src/nlu/nlu-data';
import { createTokenizer, stemEnglish } from '../../src/nlu/tokenize';

const base = {
  locale: 'en',
  confidence: { minCoverage: 0.3, maxRunnerUpRatio: 0.95, minScore: 1 },
  stopwords: ['the'],
  synonyms: { apatinib: ['apatanib', '艾坦'] },
  patterns: [{ pattern: '\\btg-?[a-z0-9]{5}\\b', replace: 'referralcode' }],
  outOfScope: ['hello'],
  intents: { apatinib: ['what is apatinib', 'apatinib pill', 'apatinib tablet'] },
};

describe('NLU data validation', () => {
  it('accepts data whose intents are known', () => {
    expect(parseLocaleNluData(base, 'en', ['apatinib'], 'test.json').intents['apatinib']).toHaveLength(3);
  });

  it('rejects an unknown intent id, naming it', () => {
    const raw = { ...base, intents: { ...base.intents, 'not-a-topic': ['a b c', 'd e f', 'g h i'] } };
    expect(() => parseLocaleNluData(raw, 'en', ['apatinib'], 'test.json')).toThrow(/unknown intent id\(s\): not-a-topic/);
  });

  it('rejects a file for the wrong locale and malformed fields', () => {
    expect(() => parseLocaleNluData(base, 'zh-Hans', ['apatinib'], 'test.json')).toThrow(/expected zh-Hans/);
    expect(() => parseLocaleNluData({ ...base, confidence: { minCoverage: 2 } }, 'en', ['apatinib'], 'test.json')).toThrow(/invalid NLU data/);
    expect(() => parseLocaleNluData({ ...base, patterns: [{ pattern: '(', replace: 'x' }] }, 'en', ['apatinib'], 'test.json')).toThrow(/bad pattern/);
  });
});

describe('tokenizer', () => {
  const tokenizer = createTokenizer(base);

  it('maps brands and typos to the canonical term and drops stopwords', () => {
    expect(tokenizer.tokenize('The APATANIB pill')).toEqual(['apatinib', 'pill']);
    expect(tokenizer.tokenize('艾坦')).toEqual(['apatinib']);
  });

  it('turns a referral reference into one placeholder term', () => {
    expect(tokenizer.tokenize('status TG-7K3Q9')).toEqual(['status', stemEnglish('referralcode')]);
    expect(tokenizer.tokenize('my referral tg7k3q9')).toEqual(tokenizer.tokenize('my referral TG-4M8XZ'));
  });

  it('segments Chinese into words and character bigrams', () => {
    const terms = tokenizer.tokenize('鼻咽癌复发');
    expect(terms).toEqual(expect.arrayContaining(['鼻咽', '咽癌', '癌复', '复发']));
  });

  it('stems common English endings so word forms meet', () => {
    expect(stemEnglish('bleeding')).toBe(stemEnglish('bleeds'));
    expect(stemEnglish('qualifies')).toBe(stemEnglish('qualify'));
    expect(stemEnglish('pd1')).toBe('pd1');
  });
});
