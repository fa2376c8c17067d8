// Lint configuration: typescript-eslint's recommended rules over our sources.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Commands reach the network through the session API (src/session/api.ts re-exports the errors,
    // units and result types they need), never through the layers below it.
    files: ['commands/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '(^|/)src/(engine|wire|capture|bridge|netns|services|multicast)(/|$)',
          message: 'commands import the session API (src/session/api.ts) or src/cli/, not the engine, wire, capture, bridge, netns, services or multicast layers',
        }],
      }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
