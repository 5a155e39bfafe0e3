import { describe, expect, it } from 'vitest';
import { extractReference } from '../../dialogs/data/reference-input';
import { parseBestTime, parseEmail, parseName } from '../../dialogs/handoff/contact-input';
import { formatContactPhone, parseContactPhone } from '../../dialogs/handoff/contact-phone';
import type { Locale } from '../../src/i18n/locales';

describe('parseContactPhone', () => {
  const valid: [typed: string, locale: Locale, e164: string][] = [
    ['13812345678', 'en', '+8613812345678'],
    ['138 1234 5678', 'zh-Hans', '+8613812345678'],
    ['１３８－１２３４－５６７８', 'zh-Hans', '+8613812345678'],
    ['我的电话是138-1234-5678，谢谢', 'zh-Hans', '+8613812345678'],
    ['020 8888 8888', 'zh-Hans', '+862088888888'],
    ['+86 138 1234 5678', 'zh-Hant', '+8613812345678'],
    ['86 138 1234 5678', 'en', '+8613812345678'],
    ['9123 4567', 'zh-Hant', '+85291234567'],
    ['2812 3456', 'zh-Hant', '+85228123456'],
    ['(852) 9123-4567', 'en', '+85291234567'],
    ['0085291234567', 'zh-Hans', '+85291234567'],
    ['9123 4567', 'en', '+85291234567'],
    ['0912 345 678', 'zh-Hant', '+886912345678'],
    ['02 2345 6789', 'zh-Hant', '+886223456789'],
    ['+886 912 345 678', 'en', '+886912345678'],
    ['+1 415 555 2671', 'en', '+14155552671'],
    ['tel: +44 20 7946 0000', 'en', '+442079460000'],
  ];
  it.each(valid)('reads %j (%s) as %s', (typed, locale, e164) => {
    expect(parseContactPhone(typed, locale)).toBe(e164);
  });

  const invalid: [typed: string, locale: Locale][] = [
    ['12345', 'en'],
    ['hello', 'zh-Hans'],
    ['1381234567', 'zh-Hans'],
    ['123456789012345678', 'en'],
    ['call me at 9123 4567 after 6pm', 'zh-Hant'],
    ['0800 123 456', 'zh-Hant'],
    ['400-161-9995', 'zh-Hans'],
    ['+86 12345', 'en'],
  ];
  it.each(invalid)('rejects %j (%s)', (typed, locale) => {
    expect(parseContactPhone(typed, locale)).toBeUndefined();
  });

  it('shows a stored number in international form', () => {
    expect(formatContactPhone('+8613812345678')).toBe('+86 138 1234 5678');
    expect(formatContactPhone('+85291234567')).toBe('+852 9123 4567');
  });
});

describe('extractReference', () => {
  const readable: [typed: string][] = [['tg7k3q9'], ['TG-7K3Q9'], ['tg 7k3 q9'], ['ＴＧ－７Ｋ３Ｑ９'], ['7K3Q9'], [' TG_7K3Q9. '], ['my reference is TG-7K3Q9, thanks'], ['我的编号是TG-7K3Q9']];
  it.each(readable)('reads %j as TG-7K3Q9', (typed) => {
    expect(extractReference(typed)).toBe('TG-7K3Q9');
  });

  const unreadable: [typed: string][] = [['TG-7K3Q0'], ['TG-7K3QI'], ['TG-7K3Q'], ['TG-7K3Q9X'], ['hello'], ['我不记得了'], ['']];
  it.each(unreadable)('rejects %j', (typed) => {
    expect(extractReference(typed)).toBeUndefined();
  });
});

describe('contact answers', () => {
  it('keeps a name as typed, trimmed, and refuses empty or over-long ones', () => {
    expect(parseName('  Ms   Chen ')).toBe('Ms Chen');
    expect(parseName('陈女士')).toBe('陈女士');
    expect(parseName('...')).toBeUndefined();
    expect(parseName('x'.repeat(61))).toBeUndefined();
  });

  it('accepts email addresses, full-width included, and refuses other text', () => {
    expect(parseEmail('Wong.Family@Example.COM')).toBe('Wong.Family@example.com');
    expect(parseEmail('ｃｈｅｎ＠ｅｘａｍｐｌｅ．ｃｎ。')).toBe('chen@example.cn');
    expect(parseEmail('nobody@example.org')).toBe('nobody@example.org');
    expect(parseEmail('skip')).toBeUndefined();
    expect(parseEmail('chen@example')).toBeUndefined();
    expect(parseEmail('chen at example.com')).toBeUndefined();
  });

  it('takes a typed best time (a question never reaches it: see interpretTurn), not an over-long one', () => {
    expect(parseBestTime(' after 6 pm ')).toBe('after 6 pm');
    expect(parseBestTime('周末下午')).toBe('周末下午');
    expect(parseBestTime('x'.repeat(101))).toBeUndefined();
  });
});
