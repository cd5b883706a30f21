import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['src/config/validators.generated.js', 'dist/**', 'out/**', '.staging/**', 'node_modules/**', 'samples/**', 'bench/.work/**', 'tests/.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', require: 'readonly', module: 'readonly', __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    // Browser code: the build results tab and the tests' stand-in for the Azure DevOps page.
    files: ['web/**', 'tests/browser/**'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', getComputedStyle: 'readonly', URL: 'readonly' } },
  },
);
