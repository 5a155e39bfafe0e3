import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config';

describe('configuration', () => {
  it('runs with no environment at all (embedded defaults)', () => {
    const config = loadConfig({});
    expect(config.env.PORT).toBe(3978);
    expect(config.env.HOST).toBe('0.0.0.0');
    expect(config.env.DATA_DIR).toBe('./data');
    expect(config.env.DATABASE_URL).toBeUndefined();
    expect(config.site.example).toBe(true);
    expect(config.site.emergencyNumber).toBe('120');
    expect(Object.isFrozen(config.env)).toBe(true);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', MicrosoftAppId: '' }).env.PORT).toBe(3978);
  });

  it('names every bad variable and what it expects', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATA_ENCRYPTION_KEY: 'short', HANDOFF_WEBHOOK_URL: 'not a url' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/LOG_LEVEL/);
    expect(message).toMatch(/DATA_ENCRYPTION_KEY: must be 32 bytes/);
    expect(message).toMatch(/HANDOFF_WEBHOOK_URL/);
  });

  it('refuses combinations that cannot work', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1/test' })).toThrow(/DATA_ENCRYPTION_KEY: required when DATABASE_URL/);
    expect(() => loadConfig({ HANDOFF_WEBHOOK_URL: 'http://127.0.0.1:9/hook' })).toThrow(/HANDOFF_WEBHOOK_SECRET/);
    expect(() => loadConfig({ MicrosoftAppId: 'abc' })).toThrow(/MicrosoftAppPassword/);
  });

  it('rejects a site file that is missing or malformed', () => {
    expect(() => loadConfig({ SITE_CONFIG_PATH: 'content/nope.json' })).toThrow(/SITE_CONFIG_PATH: cannot read/);
    expect(() => loadConfig({ SITE_CONFIG_PATH: 'package.json' })).toThrow(/SITE_CONFIG_PATH \(package.json\) siteName/);
  });
});
