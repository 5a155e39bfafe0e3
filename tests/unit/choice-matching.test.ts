import { describe, expect, it } from 'vitest';
import { matchChoice } from '../../dialogs/shared/choices';
import { recognizeCommand } from '../../dialogs/shared/commands';
import { parseWholeNumber } from '../../dialogs/shared/text-normalise';

const menu = [
  { value: 'about', label: 'About the study', synonyms: ['了解这项研究', '了解這項研究', 'study'] },
  { value: 'precheck', label: 'Might I qualify?', synonyms: ['我可能符合条件吗？', '符合条件'] },
  { value: 'handoff', label: 'Talk to the study team', synonyms: ['联系研究团队', '聯絡研究團隊'] },
  { value: 'ask', label: 'Ask a question', synonyms: ['提问'] },
];
const yesNo = [
  { value: 'yes', label: 'Yes', synonyms: ['是', 'yeah', '係'] },
  { value: 'no', label: 'No', synonyms: ['不是', '唔係', 'nope'] },
  { value: 'unsure', label: 'Not sure', synonyms: ['不确定', '唔知', "don't know"] },
];

describe('typed answers select choices like buttons do', () => {
  it.each([
    ['2', 'precheck'],
    ['2.', 'precheck'],
    ['２', 'precheck'],
    ['二', 'precheck'],
    ['第2个', 'precheck'],
    ['About the study', 'about'],
    ['about the study!', 'about'],
    ['了解这项研究', 'about'],
    ['聯絡研究團隊', 'handoff'],
    ['team', 'handoff'],
    ['ask', 'ask'],
  ])('menu: %s -> %s', (typed, expected) => {
    expect(matchChoice(typed, menu)?.value).toBe(expected);
  });

  it.each([
    ['yes', 'yes'],
    ['YES!', 'yes'],
    ['是', 'yes'],
    ['係', 'yes'],
    ['no', 'no'],
    ['唔係', 'no'],
    ['not sure', 'unsure'],
    ['唔知', 'unsure'],
    ["I don't know", 'unsure'],
    ['nope', 'no'],
  ])('yes/no: %s -> %s', (typed, expected) => {
    expect(matchChoice(typed, yesNo)?.value).toBe(expected);
  });

  it('a short choice inside a Chinese sentence still matches; a word inside a long English question does not', () => {
    const topics = [
      { value: 'side-effects', label: '副作用' },
      { value: 'costs', label: '费用' },
    ];
    expect(matchChoice('我想了解副作用', topics)?.value).toBe('side-effects');
    expect(matchChoice('what is an open label study?', menu)).toBeUndefined();
  });

  it('Latin-script phrases match whole words only: "I know" is not "no"', () => {
    expect(matchChoice('I know', yesNo)).toBeUndefined();
    expect(matchChoice('nothing', yesNo)).toBeUndefined();
    expect(matchChoice('no, never', yesNo)?.value).toBe('no');
  });

  it.each(['I had 2 lines of chemo', '5', '0', 'banana', '我做过2次化疗'])('no choice for "%s"', (typed) => {
    expect(matchChoice(typed, menu)).toBeUndefined();
  });
});

describe('whole-message numbers', () => {
  it.each([
    ['56', 56],
    ['56岁', 56],
    ['五十六', 56],
    ['五十六岁', 56],
    ['十八', 18],
    ['一百零二', 102],
    ['56 years old', 56],
    ['I had 2 lines of chemo', undefined],
    ['2 or 3', undefined],
    // As typed at WeChat's numbered lines: full-width digits, "2." / "2、" / "2)".
    ['２', 2],
    [' 2. ', 2],
    ['1、', 1],
    ['3)', 3],
    ['4）', 4],
  ])('%s -> %s', (text, expected) => {
    expect(parseWholeNumber(text)).toBe(expected);
  });
});

describe('global commands in every language', () => {
  it.each([
    ['menu', 'menu'],
    ['Menu.', 'menu'],
    ['菜单', 'menu'],
    ['選單', 'menu'],
    ['help', 'help'],
    ['帮助', 'help'],
    ['back', 'back'],
    ['上一步', 'back'],
    ['restart', 'restart'],
    ['重新開始', 'restart'],
    ['language', 'language'],
    ['语言', 'language'],
    ['語言', 'language'],
    ['English', 'switch-en'],
    ['中文', 'switch-zh'],
    ['简体', 'switch-zh-Hans'],
    ['繁體', 'switch-zh-Hant'],
    ['talk to a person', 'handoff'],
    ['人工', 'handoff'],
    ['delete my data', 'erase'],
    ['删除我的信息', 'erase'],
    ['刪除我的資料', 'erase'],
    ['check my referral', 'check-referral'],
  ])('%s -> %s', (text, expected) => {
    expect(recognizeCommand(text)).toBe(expected);
  });

  it('a sentence that contains a command word is not a command', () => {
    expect(recognizeCommand('what is on the menu for patients in the study')).toBeUndefined();
    expect(recognizeCommand('I want to go back to my doctor')).toBeUndefined();
  });
});
