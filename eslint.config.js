import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import layers from './scripts/eslint/layers.js';
import { zones } from './scripts/eslint/zones.js';
import svelteConfig from './svelte.config.js';

export default ts.config(
  { ignores: ['dist/', 'release/', 'node_modules/', 'test-results/', 'test/fixtures/'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { layers },
    rules: {
      'layers/imports': ['error', { zones }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Views and components reach the main side through their state classes (lib/state), which own
    // the calls, their order and their failures; a view only builds image URLs from the client.
    files: ['src-renderer/views/**', 'src-renderer/components/**', 'src-renderer/App.svelte'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name=/^(call|on)$/][callee.object.type='MemberExpression'][callee.object.property.name='api']",
          message:
            'Views call the API through their state classes (src-renderer/lib/state), not api.call / api.on.',
        },
      ],
    },
  },
  {
    // State classes keep big collections in `$state.raw` and replace them instead of mutating them
    // (svelte.dev's habit); their private Maps are caches that must not be reactive.
    files: ['src-renderer/lib/state/**'],
    rules: { 'svelte/prefer-svelte-reactivity': 'off' },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig,
      },
    },
  },
  {
    files: ['bin/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
