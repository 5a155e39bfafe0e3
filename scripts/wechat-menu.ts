/**
 * `npm run wechat:menu`: prints the WeChat custom menu (button names in WECHAT_MENU_LANGUAGE) and, when
 * WECHAT_APP_ID and WECHAT_APP_SECRET are set, publishes it (POST /cgi-bin/menu/create). The access token
 * comes from the shared store, so the running server's token is reused rather than invalidated.
 */
import { loadConfig } from '../src/config/load-config';
import { createTranslator, translatorFor } from '../src/i18n/translator';
import { createLogger } from '../src/logger';
import { systemClock } from '../src/clock';
import { createStores } from '../src/storage/create-stores';
import { WeChatApiClient } from '../src/channels/wechat/customer-service-client';
import { buildMenu, menuNameProblems } from '../src/channels/wechat/menu';

async function main(): Promise<void> {
  const config = loadConfig();
  const { env } = config;
  const logger = createLogger(env.LOG_LEVEL === 'debug' ? 'debug' : 'warn', (line) => process.stderr.write(`${line}\n`));
  const menu = buildMenu(translatorFor(createTranslator(config.rootDir), env.WECHAT_MENU_LANGUAGE));
  console.log(JSON.stringify(menu, null, 2));

  const problems = menuNameProblems(menu);
  if (problems.length > 0) throw new Error(`menu names too long for WeChat: ${problems.join('; ')}`);

  if (!env.WECHAT_APP_ID || !env.WECHAT_APP_SECRET) {
    console.error('WECHAT_APP_ID and WECHAT_APP_SECRET are not both set: printed only, not published.');
    return;
  }
  const stores = await createStores(config, logger);
  try {
    const client = new WeChatApiClient({ apiBase: env.WECHAT_API_BASE, appId: env.WECHAT_APP_ID, appSecret: env.WECHAT_APP_SECRET, keyValue: stores.keyValue, clock: systemClock, logger });
    await client.createMenu(menu);
    console.error(`Menu published to ${new URL(env.WECHAT_API_BASE).host} (${env.WECHAT_MENU_LANGUAGE}).`);
  } finally {
    await stores.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
