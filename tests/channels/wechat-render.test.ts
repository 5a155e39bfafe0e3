import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CardFactory, MessageFactory } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { buildMenu, clickCommand, maxTopLevelNameBytes, menuButtons } from '../../src/channels/wechat/menu';
import { choiceLine, maxMessageBytes, packMessages, renderReply, stripMarkdown } from '../../src/channels/wechat/render';
import { projectRoot } from '../../src/config/load-config';
import { supportedLocales } from '../../src/i18n/locales';
import { createTranslator, translatorFor } from '../../src/i18n/translator';

const hint = () => 'Reply with a number.';
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('numbered choices', () => {
  it('turns suggested actions into numbered lines with bizmsgmenu links and the hint', () => {
    const activity = MessageFactory.suggestedActions(['About the study', 'Might I qualify?', '联系研究团队'], 'What would you like to do?');
    const reply = renderReply([activity], hint);
    expect(reply.messages).toEqual([
      [
        'What would you like to do?',
        '',
        '1. <a href="weixin://bizmsgmenu?msgmenucontent=About the study&msgmenuid=1">About the study</a>',
        '2. <a href="weixin://bizmsgmenu?msgmenucontent=Might I qualify?&msgmenuid=2">Might I qualify?</a>',
        '3. <a href="weixin://bizmsgmenu?msgmenucontent=联系研究团队&msgmenuid=3">联系研究团队</a>',
        'Reply with a number.',
      ].join('\n'),
    ]);
  });

  it('uses HeroCard buttons and the imBack value as the tapped text', () => {
    const card = CardFactory.heroCard('Side effects', 'Tiredness is common.', [], [
      { type: 'imBack', title: 'Tell me more', value: 'more' },
      { type: 'openUrl', title: 'Registry', value: 'https://clinicaltrials.gov/study/NCT04548271' },
    ]);
    const reply = renderReply([MessageFactory.attachment(card)], hint);
    expect(reply.messages[0]).toContain('Side effects\n\nTiredness is common.');
    expect(reply.messages[0]).toContain('<a href="https://clinicaltrials.gov/study/NCT04548271">Registry</a>');
    expect(reply.messages[0]).toContain('1. <a href="weixin://bizmsgmenu?msgmenucontent=more&msgmenuid=1">Tell me more</a>');
  });

  it('never lets choice text break the link markup', () => {
    expect(choiceLine({ title: 'A "quoted" <b>&</b> one?', value: 'x=1&y#2' }, 4)).toBe('4. <a href="weixin://bizmsgmenu?msgmenucontent=x 1 y 2&msgmenuid=4">A quoted b & /b one?</a>');
  });
});

describe('text', () => {
  it('strips Markdown and HTML WeChat would show raw', () => {
    const text = '## Side effects\n\n**Tiredness** is _common_.\n- rash\n* fever\n\nSee [the registry](https://clinicaltrials.gov) or `call`.<br>';
    expect(stripMarkdown(text)).toBe('Side effects\n\nTiredness is common.\n• rash\n• fever\n\nSee <a href="https://clinicaltrials.gov">the registry</a> or call.');
    expect(stripMarkdown('age < 18 and 2*3*4 = 24, snake_case_name')).toBe('age < 18 and 2*3*4 = 24, snake_case_name');
  });

  it('packs short activities into one message and splits long ones under the byte limit at natural breaks', () => {
    expect.hasAssertions();
    expect(renderReply([MessageFactory.text('One.'), MessageFactory.text('Two.')], hint).messages).toEqual(['One.\n\nTwo.']);

    const paragraph = '这项研究测试两种药物联合使用的效果和安全性。'.repeat(20);
    const long = [paragraph, paragraph, paragraph, paragraph].join('\n\n');
    const messages = packMessages([long]);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.join('\n\n')).toBe(long);
    for (const message of messages) expect(bytes(message)).toBeLessThanOrEqual(maxMessageBytes);

    const oneSentence = '很'.repeat(1000);
    const pieces = packMessages([oneSentence]);
    expect(pieces.join('')).toBe(oneSentence);
    for (const piece of pieces) expect(bytes(piece)).toBeLessThanOrEqual(maxMessageBytes);

    const sentences = 'This sentence is about forty bytes long. '.repeat(80).trim();
    const bySentence = packMessages([sentences]);
    for (const piece of bySentence) expect(piece.endsWith('.')).toBe(true);
  });

  it('ignores typing and other non-message activities', () => {
    expect(renderReply([{ type: 'typing' }, { type: 'event', name: 'x' }], hint).messages).toEqual([]);
  });
});

describe('menu and channel strings', () => {
  const i18n = createTranslator(projectRoot);

  it('has three CLICK buttons within WeChat\'s name limit in every locale, mapped to typed commands', () => {
    expect.hasAssertions();
    for (const locale of supportedLocales) {
      const t = translatorFor(i18n, locale);
      const menu = buildMenu(t);
      expect(menu.button.map((button) => button.key)).toEqual(['TG_ABOUT', 'TG_PRECHECK', 'TG_CONTACT']);
      for (const button of menu.button) {
        expect(button.name).not.toMatch(/^channels:|wechat\./);
        expect(bytes(button.name)).toBeLessThanOrEqual(maxTopLevelNameBytes);
      }
      for (const button of menuButtons) {
        const click = clickCommand(button.key, t);
        expect(click?.command).toBe(button.command);
        expect(click?.text).not.toMatch(/wechat\./);
      }
    }
    expect(clickCommand('UNKNOWN', translatorFor(i18n, 'en'))).toBeUndefined();
  });

  it('has the same wechat keys and placeholders in en, zh-Hans and zh-Hant', () => {
    const flatten = (value: unknown, prefix = ''): Record<string, string> =>
      typeof value === 'string'
        ? { [prefix]: value }
        : Object.assign({}, ...Object.entries(value as Record<string, unknown>).map(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key)));
    const shapes = supportedLocales.map((locale) => {
      const wechat = (JSON.parse(readFileSync(path.join(projectRoot, 'locales', locale, 'channels.json'), 'utf8')) as { wechat: unknown }).wechat;
      const flat = flatten(wechat);
      return Object.fromEntries(Object.entries(flat).map(([key, text]) => [key, (text.match(/\{\{\s*\w+\s*\}\}/g) ?? []).sort().join(',')]));
    });
    expect(Object.keys(shapes[0] ?? {}).length).toBeGreaterThan(5);
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);
  });
});
