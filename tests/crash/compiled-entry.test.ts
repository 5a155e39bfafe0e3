import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { createTranslator } from '../../src/i18n/translator';
import { type RecordedRequest, startRecordingServer, waitFor } from '../support/http';
import { freePort, startNodeProcess, waitUntilHealthy } from '../support/processes';

/**
 * What `npm start` runs: the prestart build (skipped when dist/ is up to date), then the compiled entry with
 * plain node. It must find content/, locales/ and public/ from dist/src/ and load the native SQLite module.
 */
describe('the compiled entry (npm start: node dist/src/main.js)', () => {
  it('builds when stale, starts, answers /healthz, /readyz, the web page and real conversation turns (menu, pre-check, a question, an emergency, a treatment decision), and exits 0 on SIGTERM', async () => {
    const build = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'build-if-stale.mjs')], { cwd: projectRoot, encoding: 'utf8' });
    expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);
    expect(existsSync(path.join(projectRoot, 'dist', 'src', 'main.js'))).toBe(true);
    // The recognizer's weights were stored by the build: the start reads them instead of training.
    expect(readdirSync(path.join(projectRoot, 'dist', 'nlu-cache')).some((name) => name.endsWith('.bin'))).toBe(true);

    const dataDir = mkdtempSync(path.join(tmpdir(), 'trialguide-compiled-'));
    const emulator = await startRecordingServer(() => ({ status: 200, body: { id: 'reply' } }));
    const port = await freePort();
    // Another working directory: the entry must resolve the project from its own location, not the cwd.
    const { child, exited, output } = startNodeProcess([path.join(projectRoot, 'dist', 'src', 'main.js')], {
      cwd: tmpdir(),
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    });
    try {
      expect(await waitUntilHealthy(port, child, 60_000), output()).toBe(true);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(await ready.json()).toMatchObject({ checks: { storage: true, migrations: true } });
      const page = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'accept-language': 'zh-CN' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('lang="zh-Hans"');

      // Real turns through the bundle (its reduced botbuilder-dialogs, the recognizer and the safety checks loaded
      // from the build's caches), as the Bot Framework Emulator sends them, replies to a local stand-in.
      const t = createTranslator(projectRoot).getFixedT('zh-Hans');
      let sequence = 0;
      const replies = () => emulator.requests.map((request: RecordedRequest) => JSON.parse(request.body) as { type: string; text?: string }).filter((activity) => activity.type === 'message').map((activity) => activity.text ?? '');
      const send = async (activity: Record<string, unknown>, expectedReplies: number): Promise<string[]> => {
        const before = replies().length;
        sequence += 1;
        const response = await fetch(`http://127.0.0.1:${port}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: `a${sequence}`, channelId: 'emulator', serviceUrl: emulator.url, conversation: { id: 'compiled' }, from: { id: 'user-compiled' }, recipient: { id: 'bot' }, locale: 'zh-CN', ...activity }),
        });
        expect(response.status, output()).toBe(200);
        return waitFor(() => (replies().length >= before + expectedReplies ? replies().slice(before) : undefined), 30_000);
      };
      const greeting = await send({ type: 'conversationUpdate', membersAdded: [{ id: 'user-compiled' }] }, 3);
      expect(greeting.at(-1)).toBe(t('common:menu.prompt'));
      expect(await send({ type: 'message', text: '2' }, 1)).toEqual([`${t('common:role.prompt')}\n\n${t('common:role.why')}`]);
      const started = await send({ type: 'message', text: '1' }, 2);
      expect(started.at(-1)).toContain(t('precheck:questions.age.question'));
      const answered = await send({ type: 'message', text: '阿帕替尼是什么？' }, 2);
      expect(answered.join('\n')).toContain(t('topics:apatinib.answer'));
      expect(answered.at(-1)).toBe(started.at(-1));
      const emergency = await send({ type: 'message', text: '我爸爸一直在吐血，止不住' }, 1);
      expect(emergency[0]).toBe(t('safety:emergency', { emergencyNumber: '120' }));
      const decision = await send({ type: 'message', text: '我要不要停掉化疗？' }, 1);
      expect(decision[0]).toContain(t('safety:medicalDecision').slice(0, 8));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output()).toContain('"msg":"TrialGuide listening"');
    } finally {
      child.kill('SIGKILL');
      await emulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 600_000);
});
