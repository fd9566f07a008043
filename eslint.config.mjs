import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', '.work/', 'test-results/', '.vscode-test/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'no-restricted-imports': ['error', { paths: [] }],
    },
  },
  {
    // The SDK is loaded lazily through src/bundles/aws.ts (its own bundle); types are fine anywhere.
    files: ['src/**/*.ts'],
    ignores: ['src/aws/**', 'src/runtime/**', 'src/bundles/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', '@smithy/*', '**/bundles/aws', '**/aws/clients', '**/aws/sdk*'],
              allowTypeImports: true,
              message: "Load the SDK lazily: await import('../bundles/aws').",
            },
          ],
        },
      ],
    },
  },
  {
    // The layers below the UI must stay testable without VS Code (.dependency-cruiser.cjs checks
    // the same, and the direction of every import; this rule gives the editor's squiggle).
    files: [
      'src/runtime/**/*.ts',
      'src/shared/**/*.ts',
      'src/config/**/*.ts',
      'src/results/**/*.ts',
      'src/docker/**/*.ts',
      'src/aws/**/*.ts',
      'src/logs/**/*.ts',
      'src/submit/**/*.ts',
      'src/models/**/*.ts',
      'src/bundles/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'No vscode import below the UI layer.' }] },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
