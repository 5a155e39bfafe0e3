/**
 * `npm run content:export`: writes the ethics-review export into EXPORT_DIR (default ./export): one
 * self-contained HTML document and its Markdown twin with every message in every language, the dialog tree,
 * the pre-check criteria and topic answers with their FACTS.md sources, the safety replies, the consent and
 * privacy text, the site file's values, and the content version with the date. Uses the same configuration
 * as the server (SITE_CONFIG_PATH, retention days), so the numbers in it are the ones the bot says.
 */
import path from 'node:path';
import { loadConfig } from '../src/config/load-config';
import { buildContentExport, writeContentExport } from '../src/content/export/build-export';

function main(): void {
  const config = loadConfig();
  const built = buildContentExport({
    rootDir: config.rootDir,
    site: config.site,
    sitePath: config.env.SITE_CONFIG_PATH,
    retention: { chatStateDays: config.env.CHAT_STATE_RETENTION_DAYS, referralDays: config.env.REFERRAL_RETENTION_DAYS },
    now: new Date(),
  });
  const written = writeContentExport(path.resolve(config.rootDir, config.env.EXPORT_DIR), built);
  const { content, approval } = built.status;
  process.stdout.write(
    [
      `content version ${content.version} (${content.files.length} files): ${approval ? `approved by ${approval.approvedBy} on ${approval.approvedAt}` : 'NOT approved'}`,
      `  ${written.html}`,
      `  ${written.markdown}`,
      '',
    ].join('\n'),
  );
}

try {
  main();
} catch (error) {
  process.stderr.write(`content:export failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
