// Lint rules for streamd: type-aware checks for promises and a file-size ceiling. Import cycles are
// checked by tools/check-import-cycles.mjs (the import plugins pull a resolver whose platform builds
// this project's registry does not all serve, which breaks npm ci).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cache/', '**/data/', '**/.streamd/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'tools/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'max-lines': ['error', { max: 450, skipBlankLines: true, skipComments: true }],
      'no-restricted-imports': ['error', {
        paths: [{ name: 'kafkajs', message: 'Only src/kafka/drivers/kafkajs/ may import kafkajs; use the driver port.' }],
      }],
    },
  },
  {
    files: ['src/kafka/drivers/kafkajs/**', 'bench/**', 'test/kafka/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['eslint.config.js', 'tools/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
