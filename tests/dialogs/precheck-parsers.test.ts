import { questionYesNo } from '../../dialogs/shared/natural-answers';
import { describe, expect, it } from 'vitest';
import { createMedicineParser, createYesNoParser, parseAge, recogniseMedicine, yesNoLexiconFrom } from '../../dialogs/precheck/answer-parsers';
import { precheckCriteria } from '../../dialogs/precheck/precheck-criteria';
import { projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';

/** The parsers run on the real lexicon from the locale files and the real medicine list from content/. */
const lexicon = yesNoLexiconFrom(createTranslator(projectRoot));
const yesNo = createYesNoParser(lexicon);
const medicine = createMedicineParser(precheckCriteria, lexicon);

describe('parseAge', () => {
  const ages: [string, number | undefined][] = [
    ['56', 56],
    ['56.', 56],
    ['sixty-two', 62],
    ['sixty two', 62],
    ["he's seventy-eight", 78],
    ['六十二岁', 62],
    ['62歲', 62],
    ['五十六', 56],
    ['56岁', 56],
    ['56歲', 56],
    ['五十六岁', 56],
    ['十八', 18],
    ['七十五歲', 75],
    ["I'm 56", 56],
    ['I’m 56 years old', 56],
    ['she is 76', 76],
    ['He is 17 years old', 17],
    ['my mother is 63', 63],
    ['56 years old', 56],
    ['我今年56岁', 56],
    ['我爸今年六十岁了', 60],
    ['患者五十六岁', 56],
    ['佢今年七十', 70],
    ['现年四十二岁', 42],
    ['I had 2 lines of chemo', undefined],
    ['做过2次化疗', undefined],
    ['2 cycles of GP', undefined],
    ['not sure', undefined],
    ['0', undefined],
    ['156', undefined],
    ['', undefined],
  ];
  it.each(ages)('"%s" -> %s', (text, expected) => {
    expect(parseAge(text)).toBe(expected);
  });
});

describe('yes / no / not sure in every language', () => {
  const answers: [string, 'yes' | 'no' | 'unsure' | undefined][] = [
    ['yes', 'yes'],
    ['Yeah', 'yes'],
    ['yes, she has', 'yes'],
    ['yep she has', 'yes'],
    ['是', 'yes'],
    ['是的', 'yes'],
    ['对', 'yes'],
    ['有', 'yes'],
    ['有呀', 'yes'],
    ['是的，确诊了', 'yes'],
    ['係', 'yes'],
    ['係呀', 'yes'],
    ['有，流過鼻血', 'yes'],
    ['no', 'no'],
    ['nope', 'no'],
    ['No, she hasn’t', 'no'],
    ['no she hasn’t', 'no'],
    ['不是', 'no'],
    ['没有', 'no'],
    ['没有，从来没有', 'no'],
    ['唔係', 'no'],
    ['冇', 'no'],
    ['冇呀', 'no'],
    ['沒有', 'no'],
    ['not sure', 'unsure'],
    ["I don't know", 'unsure'],
    ['dunno', 'unsure'],
    ['不确定', 'unsure'],
    ['不知道', 'unsure'],
    ['唔知', 'unsure'],
    ['唔清楚', 'unsure'],
    ['不確定', 'unsure'],
    ['嗯，不太清楚', 'unsure'],
    // Natural answers (content/natural-answers.json): the question's verb echoed, hedges, everyday English.
    ['能', 'yes'],
    ['可以', 'yes'],
    ['可以的', 'yes'],
    ['能自理', 'yes'],
    ['不能', 'no'],
    ['不可以', 'no'],
    ['没用过', 'no'],
    ['没有过', 'no'],
    ['有吃过', 'yes'],
    ['佢冇用過', 'no'],
    ['好像有', 'unsure'],
    ['记不清了', 'unsure'],
    ['好似係', 'unsure'],
    ['yep', 'yes'],
    ['yeah', 'yes'],
    ['nah', 'no'],
    ['no idea', 'unsure'],
    ['可以参加吗', undefined],
    // Questions and sentences that merely contain an answer word are not answers.
    ['是什么意思？', undefined],
    ['有什么副作用', undefined],
    ['what does recurrent mean?', undefined],
    ['it didn’t work', undefined],
    ['I had 2 lines of chemo', undefined],
    ['never got better', undefined],
  ];
  it.each(answers)('"%s" -> %s', (text, expected) => {
    expect(yesNo(text)).toBe(expected);
  });

  it.each([
    ['it stopped working', 'yes'],
    ["it didn't work", 'yes'],
    ['it got worse', 'yes'],
    ['没效果', 'yes'],
    ['没有效果', 'yes'],
    ['冇效', 'yes'],
    ['it worked', 'no'],
    ['控制住了', 'no'],
  ] as const)('to "did the cancer grow on that medicine?", "%s" means %s', (text, expected) => {
    expect(questionYesNo('anti-pd1-progressed', text)).toBe(expected);
  });

  it('every word means one thing only (the lexicon loads without conflicts) and covers every language', () => {
    for (const value of ['yes', 'no', 'unsure'] as const) {
      expect(lexicon[value]).toEqual(expect.arrayContaining(value === 'yes' ? ['yes', '是', '係'] : value === 'no' ? ['no', '没有', '冇', '唔係'] : ['not sure', '不确定', '唔知']));
    }
    expect(() => createYesNoParser({ yes: ['有'], no: ['有'], unsure: [] })).toThrow(/both/);
  });
});

describe('which immunotherapy', () => {
  const answers: [string, string | undefined][] = [
    ['camrelizumab', 'camrelizumab'],
    ['卡瑞利珠单抗', 'camrelizumab'],
    ['用的艾瑞卡', 'camrelizumab'],
    ['卡瑞利珠單抗', 'camrelizumab'],
    ['Loqtorzi', 'toripalimab'],
    ['拓益', 'toripalimab'],
    ['特瑞普利單抗', 'toripalimab'],
    ['Tevimbra', 'tislelizumab'],
    ['百泽安', 'tislelizumab'],
    ['百澤安', 'tislelizumab'],
    ['安尼可', 'penpulimab'],
    ['派安普利单抗', 'penpulimab'],
    ['达伯舒', 'sintilimab'],
    ['達伯舒', 'sintilimab'],
    ['Keytruda', 'pembrolizumab'],
    ['可瑞达', 'pembrolizumab'],
    ['帕博利珠單抗', 'pembrolizumab'],
    ['Opdivo', 'nivolumab'],
    ['欧狄沃', 'nivolumab'],
    ['纳武利尤单抗', 'nivolumab'],
    ['GP化疗加拓益', 'toripalimab'],
    ['first Keytruda then Opdivo', 'pembrolizumab'],
    ['PD-1', 'anti-pd1'],
    ['PD-1单抗', 'anti-pd1'],
    ['打过PD1', 'anti-pd1'],
    // "免疫治疗" / "打免疫针" alone may be thymalfasin (胸腺法新) or another immune "booster": not sure, never anti-PD-1.
    ['免疫治疗', 'unsure'],
    ['免疫治療', 'unsure'],
    ['打过免疫针', 'unsure'],
    ['打過免疫針', 'unsure'],
    ['有，打免疫针', 'unsure'],
    ['是的，做过免疫治疗', 'unsure'],
    ['immunotherapy', 'unsure'],
    ['yes, immunotherapy', 'unsure'],
    ['打的胸腺法新', 'unsure'],
    ['免疫治疗，PD-1单抗', 'anti-pd1'],
    ['免疫治疗用的拓益', 'toripalimab'],
    ['yes', 'anti-pd1'],
    ['有', 'anti-pd1'],
    ['用过', 'anti-pd1'],
    ['no', 'none'],
    ['没有', 'none'],
    ['冇', 'none'],
    ['没用过PD-1', 'none'],
    ['从来没用过免疫治疗', 'none'],
    ['冇用過', 'none'],
    ['never had immunotherapy', 'none'],
    ['not sure', 'unsure'],
    ['唔知', 'unsure'],
    ['不确定是不是PD-1', 'unsure'],
    ['I had 2 lines of chemo', undefined],
  ];
  it.each(answers)('"%s" -> %s', (text, expected) => {
    expect(medicine(text)).toBe(expected);
  });

  it('knows every anti-PD-1 medicine of FACTS.md by its English, Chinese and brand names', () => {
    expect.hasAssertions();
    const expected: Record<string, string[]> = {
      camrelizumab: ['camrelizumab', '卡瑞利珠单抗', '艾瑞卡'],
      toripalimab: ['toripalimab', '特瑞普利单抗', '拓益', 'Loqtorzi'],
      tislelizumab: ['tislelizumab', '替雷利珠单抗', '百泽安', 'Tevimbra'],
      penpulimab: ['penpulimab', '派安普利单抗', '安尼可'],
      sintilimab: ['sintilimab', '信迪利单抗', '达伯舒'],
      pembrolizumab: ['pembrolizumab', '帕博利珠单抗', '可瑞达', 'Keytruda'],
      nivolumab: ['nivolumab', '纳武利尤单抗', '欧狄沃', 'Opdivo'],
    };
    for (const [id, names] of Object.entries(expected)) {
      for (const name of names) expect(recogniseMedicine(precheckCriteria, `I had ${name}`), name).toBe(id);
    }
  });
});
