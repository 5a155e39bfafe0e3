import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCheckedOn } from '../../dialogs/topics/topic-params';
import { topicTree } from '../../dialogs/topics/topic-tree';
import { projectRoot } from '../../src/config/load-config';
import type { Locale } from '../../src/i18n/locales';
import { createTranslator } from '../../src/i18n/translator';
import { allText, type Conversation, expectTurn, startConversation } from '../support/conversation-harness';

const i18n = createTranslator(projectRoot);
const channelLocales: Record<Locale, string> = { en: 'en-US', 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW' };

/** The path of child topics from the root to a topic, through "children" links. */
function pathTo(id: string): string[] {
  const path: string[] = [];
  let current = topicTree.topics.get(id);
  while (current && current.id !== topicTree.root) {
    path.unshift(current.id);
    current = current.parent ? topicTree.topics.get(current.parent) : undefined;
  }
  return path;
}

for (const locale of Object.keys(channelLocales) as Locale[]) {
  const t = i18n.getFixedT(locale);
  describe(`main menu transcript (${locale}, activity.locale ${channelLocales[locale]})`, () => {
    let chat: Conversation;
    beforeAll(async () => {
      chat = await startConversation({ locale: channelLocales[locale] });
    });
    afterAll(async () => {
      await chat.close();
    });
    /** What the bot puts into topic texts: the site file's values and the default retention. */
    const params = () => {
      const { site } = chat.app.config;
      return {
        status: t(`topics:registryStatus.${site.registry.status}`),
        checkedOn: formatCheckedOn(site.registry.checkedOn, locale),
        emergencyNumber: site.emergencyNumber,
        coordinatorPhone: site.coordinator.phone,
        siteName: site.siteName[locale],
        chatStateDays: 30,
        referralDays: 180,
      };
    };

    it('greets first, in the channel language, with the emergency number, then shows the menu (nobody is asked who is asking)', () => {
      const text = allText(chat.opening);
      expect(text).toContain(t('common:welcome.greeting', { siteName: chat.app.config.site.siteName[locale] }));
      expect(text).toContain('120');
      expect(chat.opening.at(-1)?.text).toBe(t('common:menu.prompt'));
      expect(chat.opening.at(-1)?.choices).toEqual([t('common:menu.about'), t('common:menu.precheck'), t('common:menu.handoff'), t('common:menu.ask')]);
    });

    it('user says "I am family" (the role button\'s words); bot confirms in one line and shows the menu with family wording', async () => {
      const replies = await expectTurn(chat, t('common:role.family'), [`${t('common:role.noted_family')}\n\n${t('common:menu.prompt')}`]);
      expect(replies.at(-1)?.choices).toEqual([t('common:menu.about'), t('common:menu.precheck_family'), t('common:menu.handoff'), t('common:menu.ask')]);
    });

    it('user types "1": bot explains the study with its topics as buttons', async () => {
      const replies = await chat.say('1');
      const root = topicTree.topics.get(topicTree.root);
      expect(replies.at(-1)?.text).toContain(t('topics:about.answer'));
      for (const child of root?.children ?? []) expect(replies.at(-1)?.choices).toContain(t(`topics:${child}.title`));
      expect(replies.at(-1)?.choices).toContain(t('common:nav.menu'));
    });

    it('every topic is reachable by buttons from the menu, with its approved answer, "tell me more" where there is more, and a way back', async () => {
      expect.hasAssertions();
      for (const topic of topicTree.topics.values()) {
        if (topic.id === topicTree.root) continue;
        await chat.say(t('common:nav.menu'));
        let replies = await chat.say(t('common:menu.about'));
        for (const step of pathTo(topic.id)) replies = await chat.say(t(`topics:${step}.title`));
        const shown = replies.at(-1);
        expect(shown?.text, `topic ${topic.id}`).toContain(t(`topics:${topic.id}.title`));
        expect(shown?.choices, `topic ${topic.id}`).toContain(t('common:nav.menu'));
        if (i18n.exists(`topics:${topic.id}.more`, { lng: locale })) {
          expect(shown?.choices).toContain(t('common:topics.more'));
          const more = await chat.say(t('common:topics.more'));
          expect(more.at(-1)?.text).toBe(t(`topics:${topic.id}.more`, params()));
        }
      }
    });

    it('registry status shows the configured status and the date it was checked, and defers to the study team', async () => {
      await chat.say(t('common:nav.menu'));
      await chat.say(t('common:menu.about'));
      const replies = await chat.say(t('topics:registry-status.title'));
      expect(replies.at(-1)?.text).toContain(t('topics:registryStatus.not-yet-recruiting'));
      expect(replies.at(-1)?.text).toMatch(/2026/);
    });

    it('"back" inside a topic goes up one level; "menu" returns to the main menu', async () => {
      await chat.say(t('common:nav.menu'));
      await chat.say(t('common:menu.about'));
      await chat.say(t('topics:medicines.title'));
      await chat.say(t('topics:apatinib.title'));
      const up = await chat.say(locale === 'en' ? 'back' : '上一步');
      expect(up.at(-1)?.text).toContain(t('topics:medicines.answer'));
      const menu = await chat.say(locale === 'en' ? 'menu' : locale === 'zh-Hans' ? '菜单' : '選單');
      expect(menu.at(-1)?.text).toBe(t('common:menu.prompt'));
    });

    it('"Ask a question": a typed question gets its approved answer', async () => {
      await chat.say(t('common:nav.menu'));
      const prompt = await chat.say(t('common:menu.ask'));
      expect(prompt.at(-1)?.text).toBe(t('common:ask.prompt'));
      const question = { en: 'what are the side effects of apatinib?', 'zh-Hans': '阿帕替尼有什么副作用？', 'zh-Hant': '阿帕替尼有甚麼副作用？' }[locale];
      const replies = await chat.say(question);
      expect(allText(replies)).toContain(t('topics:side-effects-apatinib.answer', params()));
    });

    it('a question typed at the menu is answered directly', async () => {
      await chat.say(t('common:nav.menu'));
      const question = { en: 'what is an open label study?', 'zh-Hans': '什么是开放标签？', 'zh-Hant': '甚麼是開放標籤？' }[locale];
      const replies = await chat.say(question);
      expect(allText(replies)).toContain(t('topics:term-open-label.answer'));
    });

    it('an unclear question is admitted, with the closest topics and the study team offered — no guess', async () => {
      await chat.say(t('common:nav.menu'));
      await chat.say(t('common:menu.ask'));
      const replies = await chat.say(locale === 'en' ? 'purple elephant tuesday?' : '紫色大象星期二？');
      expect(replies.at(-1)?.text).toBe(t('common:ask.notSure'));
      expect(replies.at(-1)?.choices).toContain(t('common:menu.handoff'));
    });

    it('"help" lists the commands and repeats the open question', async () => {
      await chat.say(t('common:nav.menu'));
      const replies = await chat.say(locale === 'en' ? 'help' : locale === 'zh-Hans' ? '帮助' : '幫助');
      // The site's own emergency number (content/site.example.json: 120), not "your local emergency number".
      expect(replies[0]?.text).toBe(t('common:help', { emergencyNumber: '120' }));
      expect(replies[0]?.text).toMatch(/120/);
      expect(replies.at(-1)?.text).toBe(t('common:menu.prompt'));
    });

    it('topics about bleeding, blood pressure and side effects say what to do if it is happening now, with the site\'s number', async () => {
      expect.hasAssertions();
      const now = { en: /happening now, call 120/, 'zh-Hans': /现在正.{0,30}拨打120/, 'zh-Hant': /現在正.{0,30}撥打120/ }[locale];
      for (const id of ['side-effects', 'side-effects-camrelizumab', 'side-effects-apatinib', 'bleeding-risk', 'benefits-risks', 'other-studies-results']) {
        await chat.say(t('common:nav.menu'));
        let replies = await chat.say(t('common:menu.about'));
        for (const step of pathTo(id)) replies = await chat.say(t(`topics:${step}.title`));
        expect(replies.at(-1)?.text, id).toMatch(now);
      }
    });

    it('the privacy topic tells who "we" is, what is kept and for how long, and what "delete my data" cannot delete', async () => {
      await chat.say(t('common:nav.menu'));
      await chat.say(t('common:menu.about'));
      const privacy = allText(await chat.say(t('topics:privacy.title')));
      expect(privacy).toContain(chat.app.config.site.siteName[locale]);
      expect(privacy).toMatch({ en: /30 days/, 'zh-Hans': /30天/, 'zh-Hant': /30天/ }[locale]);
      expect(privacy).toMatch({ en: /web page.*1 day/, 'zh-Hans': /网页.*1天/, 'zh-Hant': /網頁.*1天/ }[locale]);
      const more = allText(await chat.say(t('common:topics.more')));
      expect(more).toMatch({ en: /180 days/, 'zh-Hans': /180天/, 'zh-Hant': /180天/ }[locale]);
      expect(more).toMatch({ en: /email, Teams or WeCom/, 'zh-Hans': /电子邮件、Teams或企业微信/, 'zh-Hant': /電子郵件、Teams或企業微信/ }[locale]);
      expect(more).toMatch({ en: /cannot delete a copy the study team already has/, 'zh-Hans': /不能删除研究团队已经收到的副本/, 'zh-Hant': /不能刪除研究團隊已經收到的副本/ }[locale]);
    });
  });
}

describe('privacy and consent state the configured retention, not the defaults', () => {
  it('with CHAT_STATE_RETENTION_DAYS=7 and REFERRAL_RETENTION_DAYS=90 the privacy topic and the consent say 7 and 90 days', async () => {
    const chat = await startConversation({ locale: 'en-US', env: { CHAT_STATE_RETENTION_DAYS: '7', REFERRAL_RETENTION_DAYS: '90' } });
    try {
      const en = i18n.getFixedT('en');
      await chat.say(en('common:menu.about'));
      expect(allText(await chat.say(en('topics:privacy.title')))).toMatch(/deletes them 7 days after/);
      expect(allText(await chat.say(en('common:topics.more')))).toMatch(/request for 90 days/);
      await chat.say(en('common:nav.menu'));
      const consent = allText(await chat.say(en('common:menu.handoff')));
      expect(consent).toMatch(/request for 90 days/);
      expect(consent).toMatch(/for 7 days after your last message/);
    } finally {
      await chat.close();
    }
  });
});

describe('language', () => {
  it('with no channel locale, the bot asks for the language first and then speaks it', async () => {
    const chat = await startConversation({});
    try {
      const en = i18n.getFixedT('en');
      expect(chat.opening.at(-1)?.text).toBe(en('common:language.prompt'));
      expect(chat.opening.at(-1)?.choices).toEqual(['English', '简体中文', '繁體中文']);
      const replies = await chat.say('3');
      const zhHant = i18n.getFixedT('zh-Hant');
      expect(allText(replies)).toContain(zhHant('common:welcome.greeting', { siteName: chat.app.config.site.siteName['zh-Hant'] }));
      expect(replies.at(-1)?.text).toBe(zhHant('common:menu.prompt'));
    } finally {
      await chat.close();
    }
  });

  it('switching language mid-question re-asks the same question in the new language', async () => {
    const chat = await startConversation({ locale: 'en-US' });
    try {
      const replies = await chat.say('中文');
      const zhHans = i18n.getFixedT('zh-Hans');
      expect(replies[0]?.text).toBe(zhHans('common:language.changed'));
      expect(replies.at(-1)?.text).toBe(zhHans('common:menu.prompt'));
      expect(replies.at(-1)?.choices).toEqual([zhHans('common:menu.about'), zhHans('common:menu.precheck'), zhHans('common:menu.handoff'), zhHans('common:menu.ask')]);
      // English typed in a Chinese conversation still says who is asking; the confirmation is in Chinese.
      await expectTurn(chat, 'I am the patient', [`${zhHans('common:role.noted_patient')}\n\n${zhHans('common:menu.prompt')}`]);
    } finally {
      await chat.close();
    }
  });

  it('a question typed in the middle of a prompt is answered, then the prompt resumes', async () => {
    const chat = await startConversation({ locale: 'zh-CN' });
    try {
      const zhHans = i18n.getFixedT('zh-Hans');
      const asked = await chat.say(zhHans('common:menu.precheck'));
      const replies = await chat.say('卡瑞利珠单抗是什么药？');
      expect(allText(replies)).toContain(zhHans('topics:camrelizumab.answer'));
      expect(replies.at(-1)?.text).toBe(asked.at(-1)?.text);
      expect(replies.at(-1)?.text).toContain(zhHans('common:role.prompt'));
    } finally {
      await chat.close();
    }
  });

  it('switching language inside a hand-off begun from the pre-check outcome re-asks the open question in the new language', async () => {
    const chat = await startConversation({ locale: 'zh-CN' });
    try {
      const zhHans = i18n.getFixedT('zh-Hans');
      const en = i18n.getFixedT('en');
      await chat.say('我可能符合条件吗？');
      await chat.say('我是患者本人');
      const outcome = await chat.say('九十岁');
      expect(outcome.at(-1)?.choices).toContain(zhHans('common:menu.handoff'));
      const consent = await chat.say(zhHans('common:menu.handoff'));
      expect(consent.at(-1)?.text).toContain(zhHans('handoff:consent.question'));
      const switched = await chat.say('English');
      expect(switched[0]?.text).toBe(en('common:language.changed'));
      expect(switched.at(-1)?.text).toContain(en('handoff:consent.question'));
      expect(switched.at(-1)?.choices).toEqual([en('handoff:choice.yes'), en('handoff:choice.no')]);
    } finally {
      await chat.close();
    }
  });

  it('a channel menu click (WeChat custom menu) starts its item even in the middle of a topic', async () => {
    const chat = await startConversation({ locale: 'zh-CN', channelId: 'wechat' });
    try {
      const zhHans = i18n.getFixedT('zh-Hans');
      await chat.say(zhHans('common:menu.about'));
      await chat.say(zhHans('topics:medicines.title'));
      const precheck = await chat.click(zhHans('common:menu.precheck'), { command: 'precheck' });
      expect(precheck.at(-1)?.text).toContain(zhHans('common:role.prompt'));
      // On WeChat the choices are numbered: "1" is "I am the patient".
      expect(precheck.at(-1)?.choices).toEqual([zhHans('common:role.patient'), zhHans('common:role.family'), zhHans('common:role.other')]);
      expect((await chat.say('1')).at(-1)?.text).toContain(zhHans('precheck:questions.age.question'));
      const about = await chat.click(zhHans('common:menu.about'), { command: 'about' });
      expect(about.at(-1)?.text).toContain(zhHans('topics:about.answer'));
    } finally {
      await chat.close();
    }
  });

  it('"restart" starts over with the greeting and the menu, and forgets who is asking (the pre-check asks again)', async () => {
    const chat = await startConversation({ locale: 'en-US' });
    try {
      const en = i18n.getFixedT('en');
      await chat.say('I am family');
      await chat.say('1');
      const replies = await chat.say('restart');
      expect(allText(replies)).toContain(en('common:welcome.greeting', { siteName: chat.app.config.site.siteName.en }));
      expect(replies.at(-1)?.text).toBe(en('common:menu.prompt'));
      expect(replies.at(-1)?.choices).toContain(en('common:menu.precheck'));
      expect((await chat.say(en('common:menu.precheck'))).at(-1)?.text).toContain(en('common:role.prompt'));
    } finally {
      await chat.close();
    }
  });
});
