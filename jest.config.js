// Jest runs the compiled tests (npm test compiles first): ESM with --experimental-vm-modules,
// which libxml2-wasm (top-level await) needs.
export default {
  rootDir: 'dist',
  testMatch: ['<rootDir>/test/**/*.test.js'],
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/globalSetup.js',
  globalTeardown: '<rootDir>/test/support/globalTeardown.js',
  testTimeout: 60000,
  maxWorkers: 2,
  transform: {},
  verbose: false,
};
