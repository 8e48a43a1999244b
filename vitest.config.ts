import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // The JSON results feed .ci/run's closing `N passed, N failed` line.
    reporters: ['default', ['json', { outputFile: '.cache/vitest-results.json' }]],
  },
})
