import { describe, expect, it } from 'vitest';
import { buildMenu, clickCommand, maxTopLevelNameBytes, menuButtons, menuNameProblems } from '../../src/channels/wechat/menu';
import { projectRoot } from '../../src/config/load-config';
import { supportedLocales } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';

const i18n = createTranslator(projectRoot);
const han = /\p{Script=Han}/u;

/** Words that promise a place in the study or judge eligibility; a menu label must only name what it opens. */
const promises = /能参加|能參加|可以参加|可以參加|符合|合资格|合資格|入组|入組|eligib|qualif|\bjoin\b|\bcan i\b/i;

describe('the WeChat custom menu', () => {
  it.each(supportedLocales)('%s: labels within WeChat\'s limits (4 characters in Chinese, 16 bytes) that promise nothing', (locale) => {
    expect.hasAssertions();
    const menu = buildMenu(i18n.getFixedT(locale));
    expect(menuNameProblems(menu)).toEqual([]);
    expect(menu.button.map((button) => button.key)).toEqual(menuButtons.map((button) => button.key));
    for (const { name } of menu.button) {
      expect(Buffer.byteLength(name, 'utf8'), name).toBeLessThanOrEqual(maxTopLevelNameBytes);
      if (han.test(name)) expect([...name].length, name).toBeLessThanOrEqual(4);
      expect(name, name).not.toMatch(promises);
      expect(name.trim(), name).toBe(name);
    }
  });

  it('reads 了解研究 / 初步自查 / 联系团队 in Simplified and 了解研究 / 初步自查 / 聯絡團隊 in Traditional', () => {
    expect(buildMenu(i18n.getFixedT('zh-Hans')).button.map((button) => button.name)).toEqual(['了解研究', '初步自查', '联系团队']);
    expect(buildMenu(i18n.getFixedT('zh-Hant')).button.map((button) => button.name)).toEqual(['了解研究', '初步自查', '聯絡團隊']);
  });

  it('the check npm run wechat:menu runs refuses the old 5-character label and anything over 16 bytes', () => {
    const menu = (name: string) => ({ button: [{ type: 'click' as const, name, key: 'TG_PRECHECK' }] });
    expect(menuNameProblems(menu('我能参加吗'))).toEqual(['"我能参加吗" is over 4 characters']);
    expect(menuNameProblems(menu('About this clinical study'))).toEqual(['"About this clinical study" is over 16 bytes']);
    expect(menuNameProblems(menu('初步自查'))).toEqual([]);
  });

  it('a click still sends the words a person would type, in the menu\'s language', () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      const t = i18n.getFixedT(locale);
      for (const button of menuButtons) {
        const click = clickCommand(button.key, t);
        expect(click?.command).toBe(button.command);
        expect(click?.text, `${locale} ${button.key}`).toBe(t(`channels:wechat.menu.${button.localeKey}.command`));
      }
    }
    expect(clickCommand('TG_UNKNOWN', i18n.getFixedT('en'))).toBeUndefined();
  });
});
