import { builtinRules } from 'eslint/use-at-your-own-risk';
import tseslint from 'typescript-eslint';
import { boundaryConfig, environmentReaderConfig } from './eslint.boundaries.mjs';

/** ESLint's own recommended rules (what @eslint/js ships as "recommended"), taken from eslint itself. */
const eslintRecommended = Object.fromEntries([...builtinRules].filter(([, rule]) => rule.meta?.docs?.recommended).map(([name]) => [name, 'error']));

/**
 * What the page scripts may use without declaring it: the browser APIs they call and Web Chat's bundle. Listed
 * rather than taken from a package, so a misspelt or unexpected global (a Node one, say) is an error.
 */
const browserGlobals = Object.fromEntries(
  [
    'window', 'document', 'navigator', 'location', 'history', 'console', 'fetch', 'Headers', 'Request', 'Response',
    'URL', 'URLSearchParams', 'AbortController', 'FormData', 'Blob', 'FileReader', 'WebSocket', 'Event', 'CustomEvent',
    'EventTarget', 'HTMLElement', 'Node', 'MutationObserver', 'ResizeObserver', 'IntersectionObserver', 'matchMedia',
    'getComputedStyle', 'requestAnimationFrame', 'cancelAnimationFrame', 'setTimeout', 'clearTimeout', 'setInterval',
    'clearInterval', 'queueMicrotask', 'sessionStorage', 'localStorage', 'performance', 'crypto', 'TextEncoder',
    'TextDecoder', 'Intl', 'visualViewport', 'screen', 'alert', 'confirm',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'public/vendor/', 'test-artifacts/', 'coverage/', '**/*.mjs', '**/*.js', '!public/**/*.js'] },
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts', '**/*.mts', '**/*.cts'] })),
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // Dialogs read their options back from stored conversation state: nothing untyped flows through them (the
    // options are checked with zod, dialogs/shared/persisted-options.ts).
    files: ['dialogs/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
    },
  },
  // Import boundaries (dialogs, channels, the safety net) and who reads process.env: tests/architecture.
  boundaryConfig,
  environmentReaderConfig,
  {
    // The page scripts run in the browser as served (no build step): plain scripts, ES2017 (chat.js says so).
    files: ['public/**/*.js'],
    languageOptions: { ecmaVersion: 2017, sourceType: 'script', globals: browserGlobals },
    rules: {
      ...eslintRecommended,
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-unused-vars': ['error', { args: 'after-used', caughtErrors: 'all' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-implicit-globals': 'error',
      'no-var': 'off',
      strict: ['error', 'function'],
    },
  },
);
