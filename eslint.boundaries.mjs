import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';

/**
 * The import boundaries the README promises, as lint rules (eslint.config.mjs uses this block; the architecture
 * test lints fixtures with it, so a boundary that stops biting fails a test). Type-only imports count too.
 * Channels are the folders of src/channels/; each may import only itself and channel-dependencies.ts.
 */
export const channels = ['bot-framework', 'teams', 'web', 'wechat'];

const channelZones = channels.map((channel) => ({
  target: `./src/channels/${channel}`,
  from: './src/channels',
  except: [`./${channel}`, './channel-dependencies.ts'],
  message: 'Channels never import each other: share through src/channels/channel-dependencies.ts or the composition root (src/app.ts).',
}));

export const boundaryZones = [
  { target: './dialogs', from: './src/channels', message: 'Dialogs never import channels: they get what they need through DialogServices.' },
  { target: './dialogs', from: './src/http', message: 'Dialogs never import http: they get what they need through DialogServices.' },
  { target: './dialogs', from: './src/storage', except: ['./ports.ts'], message: 'Dialogs see storage only through the port types (src/storage/ports.ts).' },
  ...channelZones,
  { target: ['./src/safety', './src/bot/safety-middleware.ts'], from: './src/storage', message: 'The safety net needs no storage: it must answer emergencies while the database is down.' },
];

/** The boundary rules for TypeScript sources in src/ and dialogs/. */
export const boundaryConfig = {
  files: ['src/**/*.ts', 'dialogs/**/*.ts'],
  plugins: { 'import-x': importX },
  settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
  rules: {
    'import-x/no-restricted-paths': ['error', { zones: boundaryZones }],
    // Configuration is parsed once (src/config/load-config.ts) and handed down frozen.
    'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config/load-config.ts reads process.env; take the value from AppConfig.' }],
    // Content is read at run time from the root passed in (src/content/content-files.ts): an imported JSON file
    // would be frozen into a compiled or bundled build while the content version hashes the files on disk.
    'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)(content|locales)/.*\\.json$', message: 'Read content through src/content/content-files.ts (readContentFile with the root), never by importing its JSON.' }] }],
  },
};

/** The one module that may read the environment. */
export const environmentReaderConfig = { files: ['src/config/load-config.ts'], rules: { 'no-restricted-properties': 'off' } };
