import { describe, expect, it } from 'vitest';
import { maxQuestionLength, redactQuestionText } from '../../src/funnel/redact-question';

describe('unanswered questions keep no phone numbers or emails', () => {
  const cases: Array<[string, string]> = [
    // International forms of the study's regions.
    ['Call me on +86 138 1234 5678 about parking', 'Call me on [phone] about parking'],
    ['my number +852 9123 4567, is it free?', 'my number [phone], is it free?'],
    ['+886 912-345-678 可以打給我嗎', '[phone] 可以打給我嗎'],
    ['(+852) 2345-6789 call me', '[phone] call me'],
    ['0086-138-1234-5678 please', '[phone] please'],
    // Local forms.
    ['我的电话13812345678请联系我', '我的电话[phone]请联系我'],
    ['我嘅電話係 9123 4567，點樣報名？', '我嘅電話係 [phone]，點樣報名？'],
    ['電話 0912-345-678 停車場在哪', '電話 [phone] 停車場在哪'],
    ['辦公室 (02) 2345-6789', '辦公室 [phone]'],
    ['call 020-8734 2000 tomorrow', 'call [phone] tomorrow'],
    // Full-width digits, Chinese numerals, a number with no separator before it.
    ['电话１３８１２３４５６７８', '电话[phone]'],
    ['打一三八一二三四五六七八给我', '打[phone]给我'],
    ['tel:13812345678', 'tel:[phone]'],
    // Emails (ASCII and full-width @).
    ['email me at chen.xiaoming+nct@example.com.cn thanks', 'email me at [email] thanks'],
    ['邮箱 wang_li@163.com 谢谢', '邮箱 [email] 谢谢'],
    ['寄到 ab.c＠gmail.com。', '寄到 [email]。'],
    // Both, and what must stay.
    ['I am 56, stage 4, PD-1 failed in 2024; reach me 13912345678 or a@b.co', 'I am 56, stage 4, PD-1 failed in 2024; reach me [phone] or [email]'],
    ['Is NCT04548271 still recruiting?', 'Is NCT04548271 still recruiting?'],
    ['能吃 10 mg 吗？  年龄 18-75 岁', '能吃 10 mg 吗？ 年龄 18-75 岁'],
  ];

  it('replaces them and keeps the rest of the question', () => {
    expect.hasAssertions();
    for (const [input, expected] of cases) expect(redactQuestionText(input), input).toBe(expected);
  });

  it('caps the length (in characters, not UTF-16 units) after redacting', () => {
    const long = `${'肿瘤'.repeat(400)} 13812345678`;
    const result = redactQuestionText(long);
    expect(Array.from(result)).toHaveLength(maxQuestionLength);
    expect(result.endsWith('…')).toBe(true);
    expect(result).not.toMatch(/\d{5}/);
    const emoji = redactQuestionText('😀'.repeat(400));
    expect(Array.from(emoji)).toHaveLength(maxQuestionLength);
    expect(emoji).not.toContain('\uFFFD');
  });

  it('leaves nothing of a message that was only a phone number but the placeholder', () => {
    expect(redactQuestionText('  13812345678  ')).toBe('[phone]');
    expect(redactQuestionText('   ')).toBe('');
  });
});
