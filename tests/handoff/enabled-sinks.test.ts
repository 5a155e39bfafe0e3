import { describe, expect, it } from 'vitest';
import { enabledSinks } from '../../src/handoff/sinks';
import { testConfig } from './support/fixtures';

describe('enabledSinks', () => {
  it('enables nothing by default', () => {
    const sinks = enabledSinks(testConfig({}));
    expect(sinks.names).toEqual([]);
    expect(sinks.byName.size).toBe(0);
  });

  it('enables each sink by its own configuration, in a fixed order', () => {
    const sinks = enabledSinks(
      testConfig({
        HANDOFF_WEBHOOK_URL: 'https://hospital.example/hooks/trialguide',
        HANDOFF_WEBHOOK_SECRET: 'a-long-enough-secret-123',
        SMTP_URL: 'smtp://127.0.0.1:2525',
        HANDOFF_EMAIL_TO: 'team@hospital.example',
        WECOM_WEBHOOK_URL: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
        TEAMS_WEBHOOK_URL: 'https://example.logic.azure.com/workflows/x',
      }),
    );
    try {
      expect(sinks.names).toEqual(['webhook', 'email', 'wecom', 'teams']);
      expect([...sinks.byName.keys()]).toEqual(sinks.names);
      for (const name of sinks.names) expect(sinks.byName.get(name)?.name).toBe(name);
    } finally {
      sinks.close();
    }
  });

  it('enables only the chat sinks that are configured', () => {
    expect(enabledSinks(testConfig({ TEAMS_WEBHOOK_URL: 'https://example.logic.azure.com/workflows/x' })).names).toEqual(['teams']);
  });
});
