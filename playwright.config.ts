import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.PGLAB_E2E_PORT ?? 4317);
// Another build folder and port let several checkouts or helpers test side by side.
const DIST = process.env.PGLAB_DIST ?? 'dist';

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  // Two spec files at a time: one worker left the second core mostly idle (CI's whole run used
  // 39 of 59 core-minutes). Tests inside a file stay in order; each test has its own browser context.
  fullyParallel: false,
  workers: Number(process.env.PGLAB_E2E_WORKERS ?? 2),
  retries: 0,
  reporter: [['list'], ['json', { outputFile: process.env.PGLAB_E2E_REPORT ?? 'test-results/e2e.json' }]],
  outputDir: process.env.PGLAB_E2E_OUT ?? 'test-results/e2e',
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    // The build is made fresh by scripts/test-all.mjs; never reuse a stale server.
    command: `npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort --outDir ${DIST}`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
