/** Integration tests drive real Docker kernels, so they run in band with generous timeouts. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false, ignoreCodes: [151002] } }] },
  testTimeout: 120000,
  reporters: ["default", "<rootDir>/tests/summary-reporter.js"],
};
