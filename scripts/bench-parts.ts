/**
 * The "parts" section of `npm run bench` (scripts/bench.ts): in-process figures for the parts a busy clinic
 * day leans on — question recognition, the safety check, whole bot turns through the real dialogs and store
 * (TestAdapter, no HTTP), and a referral written with its outbox rows. Figures, not pass/fail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestAdapter } from 'botbuilder';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config/load-config';
import { createLogger } from '../src/logger';
import { createQuestionRecognizer } from '../src/nlu/question-recognizer';
import { asksAboutUrgentCare, detectEmergency } from '../src/safety/emergency-detector';
import { detectMedicalDecisionRequest } from '../src/safety/medical-decision-detector';

function report(name: string, samplesMs: number[]): void {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const total = samplesMs.reduce((sum, value) => sum + value, 0);
  process.stdout.write(
    `${name.padEnd(44)} n=${String(samplesMs.length).padStart(5)}  mean=${(total / samplesMs.length).toFixed(3)} ms  p50=${at(0.5).toFixed(3)}  p95=${at(0.95).toFixed(3)}  p99=${at(0.99).toFixed(3)}  (${((samplesMs.length / total) * 1000).toFixed(0)}/s)\n`,
  );
}

async function time(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** `scale` < 1 shortens every loop (--quick). */
export async function benchParts(scale = 1): Promise<void> {
  const n = (count: number) => Math.max(10, Math.round(count * scale));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-bench-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  process.stdout.write('Parts, in process (data in a temp SQLite file):\n');

  const recognizer = createQuestionRecognizer(config.rootDir);
  const questions: Array<[string, 'en' | 'zh-Hans' | 'zh-Hant']> = [
    ['what are the side effects of apatinib?', 'en'],
    ['my dad had keytruda before, can he join?', 'en'],
    ['阿帕替尼有什么副作用', 'zh-Hans'],
    ['这个研究要花多少钱', 'zh-Hans'],
    ['參加研究要付錢嗎', 'zh-Hant'],
  ];
  const recognition: number[] = [];
  for (let i = 0; i < n(2000); i += 1) {
    const [text, locale] = questions[i % questions.length] ?? questions[0]!;
    recognition.push(await time(() => recognizer.recognize(text, locale)));
  }
  report('question recognizer, recognize()', recognition);

  const safety: number[] = [];
  const texts = ['my father is coughing up blood', 'will I need blood tests?', '我爸一直流鼻血止不住', '请问副作用有哪些'];
  for (let i = 0; i < n(5000); i += 1) safety.push(await time(() => detectEmergency(texts[i % texts.length] ?? '')));
  report('emergency detector, detectEmergency()', safety);

  // What every typed message gets: menu answers, an age, short and long questions (issue 11).
  const typed = ['1', 'yes', '是', 'menu', '菜单', '56', 'what are the side effects?', '有什么副作用？', 'my mum finished her chemo last month and the scan shows it came back, she is 61 and still walks every day, how often would she need to come in?', '我爸爸去年做完放化疗，上个月复查又复发了，他今年六十二岁，身体还可以，请问参加这个研究要多久来一次医院？'];
  for (const [name, check] of [['detectEmergency()', detectEmergency], ['asksAboutUrgentCare()', asksAboutUrgentCare], ['detectMedicalDecisionRequest()', detectMedicalDecisionRequest]] as const) {
    const samples: number[] = [];
    for (let i = 0; i < n(5000); i += 1) samples.push(await time(() => check(typed[i % typed.length] ?? '')));
    report(`typed: ${name}`, samples);
  }

  const app = await buildApp(config, { logger: createLogger('silent') });
  const turns: number[] = [];
  const script = ['1', '1', 'Side effects', 'Back to menu', 'what is apatinib?', 'menu'];
  for (let conversation = 0; conversation < n(40); conversation += 1) {
    const adapter = new TestAdapter(app.runtime.botLogic, { channelId: 'directline', locale: 'en-US', conversation: { id: `bench-${conversation}`, name: '', isGroup: false, conversationType: 'personal' } });
    app.runtime.prepareAdapter(adapter);
    await adapter.receiveActivity({ type: 'conversationUpdate', membersAdded: [{ id: 'user', name: 'User' }] });
    for (const text of script) turns.push(await time(() => adapter.receiveActivity({ type: 'message', text })));
  }
  report('bot turn (real dialogs + SQLite state)', turns);

  const referrals: number[] = [];
  for (let i = 0; i < n(200); i += 1) {
    referrals.push(
      await time(() =>
        app.stores.referrals.createWithNotifications(
          {
            conversationKey: `bench/${i}`,
            channel: 'bench',
            locale: 'en',
            consentVersion: 'bench',
            contact: { name: 'Bench', phone: '+8613800000000', bestTime: 'morning', preferredLanguage: 'en', relationship: 'self' },
          },
          ['webhook', 'email'],
          new Date(),
        ),
      ),
    );
  }
  report('referral + 2 outbox rows, one transaction', referrals);

  await app.stores.close();
  rmSync(dataDir, { recursive: true, force: true });
}

