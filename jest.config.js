// ESM TypeScript under jest 30: ts-jest's default-esm preset, `.js` stripped from relative imports.
// ts-jest compiles each file on its own (tsconfig's isolatedModules, the only mode it supports with NodeNext), so its
// diagnostics report what a single file shows (syntax, isolatedModules); `npm run typecheck` checks the types.
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: true }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 120000,
  maxWorkers: 2,
};
