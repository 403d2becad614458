import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SYNC_CALL = 'blocks the event loop: use the async (promise) form. Start-up code that must be synchronous says why on the line (docs/development.md).';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'src/db/migrations/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // The server must never block its event loop (ARCHITECTURE.md §2): no synchronous
    // fs, crypto, zlib or child_process call in src/. This is what eslint-plugin-n's
    // n/no-sync checks (every `…Sync(` call), written as syntax rules because that
    // rule insists on type information, which this lint runs without (it would make
    // `npm run lint` several times slower). The last selector closes the loophole of
    // importing a sync function under another name. Start-up code that must be
    // synchronous says why on the line:
    //   // eslint-disable-next-line no-restricted-syntax -- <why this cannot be async>
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'CallExpression > Identifier.callee[name=/Sync$/]', message: `A synchronous call ${SYNC_CALL}` },
        { selector: 'CallExpression > MemberExpression.callee > Identifier.property[name=/Sync$/]', message: `A synchronous call ${SYNC_CALL}` },
        { selector: 'CallExpression > MemberExpression.callee > Literal.property[value=/Sync$/]', message: `A synchronous call ${SYNC_CALL}` },
        {
          selector: 'ImportSpecifier[imported.name=/Sync$/][local.name!=/Sync$/]',
          message: 'Do not rename a synchronous function on import: the no-sync rule must still see its calls.',
        },
      ],
    },
  },
  {
    // Plain Node scripts (run before anything is compiled): Node's globals.
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['src/main.ts', 'scripts/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
);
