/**
 * Integration tests drive real Docker kernels, so they run in band with generous timeouts. Test files
 * are transpiled one by one (tsconfig.jest.json: isolatedModules), which saves ts-jest's type check
 * at every start and per new import; `npm test` type-checks the whole tree once first (pretest).
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json", diagnostics: { warnOnly: false, ignoreCodes: [151002] } }] },
  testTimeout: 120000,
  reporters: ["default", "<rootDir>/tests/summary-reporter.js"],
};
