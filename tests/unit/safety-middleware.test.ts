import { type Activity, ActivityTypes, type TurnContext, TestAdapter } from 'botbuilder';
import { beforeEach, describe, expect, it } from 'vitest';
import { emergencyTurnStateKey, createSafetyMiddleware } from '../../src/bot/safety-middleware';
import { loadConfig, projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';
import { createLogger } from '../../src/logger';

const config = loadConfig({});
const i18n = createTranslator(projectRoot);
const site = config.site;

interface Harness {
  adapter: TestAdapter;
  botTurns: string[];
  logLines: string[];
  seenEmergency: unknown[];
}

/** A bot whose own logic only records that it ran, behind the safety middleware; no storage anywhere. */
function buildHarness(): Harness {
  const botTurns: string[] = [];
  const logLines: string[] = [];
  const seenEmergency: unknown[] = [];
  const adapter = new TestAdapter(async (context: TurnContext) => {
    botTurns.push(context.activity.text ?? '');
    await context.sendActivity('bot logic ran');
  });
  // Outside the safety middleware, to read what it left in turn state once the turn is over.
  adapter.use({
    async onTurn(context, next) {
      await next();
      seenEmergency.push(context.turnState.get(emergencyTurnStateKey));
    },
  });
  adapter.use(createSafetyMiddleware({ i18n, site, logger: createLogger('debug', (line) => logLines.push(line)) }));
  return { adapter, botTurns, logLines, seenEmergency };
}

function message(text: string, locale: string): Partial<Activity> {
  return { type: ActivityTypes.Message, text, locale };
}

const emergencyText = {
  en: i18n.getFixedT('en', 'safety')('emergency', { emergencyNumber: site.emergencyNumber }),
  'zh-Hans': i18n.getFixedT('zh-Hans', 'safety')('emergency', { emergencyNumber: site.emergencyNumber }),
  'zh-Hant': i18n.getFixedT('zh-Hant', 'safety')('emergency', { emergencyNumber: site.emergencyNumber }),
} as const;

describe('safety middleware', () => {
  let harness: Harness;
  beforeEach(() => {
    harness = buildHarness();
  });

  const cases = [
    { locale: 'en', channelLocale: 'en-US', says: 'my father is coughing up blood', offer: 'menu' },
    { locale: 'zh-Hans', channelLocale: 'zh-CN', says: '我爸爸一直在吐血', offer: '菜单' },
    { locale: 'zh-Hant', channelLocale: 'zh-TW', says: '我爸爸一直在咳血，止不住', offer: '選單' },
  ] as const;

  for (const { locale, channelLocale, says, offer } of cases) {
    it(`answers "${says}" with the emergency number in ${locale} and stops the turn`, async () => {
      await harness.adapter
        .send(message(says, channelLocale))
        .assertReply((reply) => {
          expect(reply.text).toContain(site.emergencyNumber);
          expect(reply.text).toContain('120');
          expect(reply.text).toBe(emergencyText[locale]);
          expect(reply.locale).toBe(locale);
        })
        .assertReply((reply) => {
          expect(reply.text).toContain(offer);
        })
        .startTest();
      expect(harness.botTurns).toEqual([]);
      expect(harness.seenEmergency).toEqual(['bleeding']);
    });
  }

  it('lets an ordinary message through to the bot logic', async () => {
    await harness.adapter.send(message('will I need blood tests?', 'en-US')).assertReply('bot logic ran').startTest();
    expect(harness.botTurns).toEqual(['will I need blood tests?']);
    expect(harness.seenEmergency).toEqual([undefined]);
  });

  it('lets the next message reach the bot after an emergency reply', async () => {
    await harness.adapter
      .send(message('she fainted', 'en-US'))
      .assertReply(emergencyText.en)
      .assertReply((reply) => expect(reply.text).toContain('menu'))
      .send(message('what is the study about?', 'en-US'))
      .assertReply('bot logic ran')
      .startTest();
    expect(harness.botTurns).toEqual(['what is the study about?']);
    expect(harness.seenEmergency).toEqual(['consciousness', undefined]);
  });

  it('gives the crisis line, and the emergency number, for thoughts of self-harm', async () => {
    await harness.adapter
      .send(message('我不想活了', 'zh-CN'))
      .assertReply((reply) => {
        expect(reply.text).toContain(site.crisisLine.number);
        expect(reply.text).toContain(site.crisisLine.name['zh-Hans']);
        expect(reply.text).toContain(site.emergencyNumber);
      })
      .assertReply((reply) => expect(reply.text).toContain('菜单'))
      .startTest();
    expect(harness.botTurns).toEqual([]);
    expect(harness.seenEmergency).toEqual(['self-harm']);
  });

  it('answers in the language the message is written in, whatever the channel says', async () => {
    await harness.adapter
      .send(message('鼻血止不住，我爸爸现在怎么办', 'en-US'))
      .assertReply(emergencyText['zh-Hans'])
      .assertReply((reply) => expect(reply.locale).toBe('zh-Hans'))
      .send(message("I can't breathe", 'zh-TW'))
      .assertReply(emergencyText.en)
      .assertReply((reply) => expect(reply.locale).toBe('en'))
      .startTest();
    expect(harness.botTurns).toEqual([]);
  });

  it('checks words sent in activity.value, as card submits carry them', async () => {
    await harness.adapter
      .send({ type: ActivityTypes.Message, locale: 'en-US', value: { answer: 'my mum passed out' } })
      .assertReply(emergencyText.en)
      .assertReply((reply) => expect(reply.text).toContain('menu'))
      .startTest();
    expect(harness.botTurns).toEqual([]);
  });

  it('logs the category but never the words', async () => {
    await harness.adapter
      .send(message('my father is coughing up blood', 'en-US'))
      .assertReply(emergencyText.en)
      .assertReply((reply) => expect(reply.text).toContain('menu'))
      .startTest();
    const log = harness.logLines.join('\n');
    expect(log).toContain('bleeding');
    expect(log).not.toMatch(/father|blood up|coughing up/i);
  });

  it('ignores activities that are not messages', async () => {
    await harness.adapter.send({ type: ActivityTypes.Event, name: 'x', value: 'I cannot breathe' }).assertReply('bot logic ran').startTest();
    expect(harness.botTurns).toHaveLength(1);
  });
});
