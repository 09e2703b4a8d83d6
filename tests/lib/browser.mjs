// Debian's Chromium for the end-to-end tests (playwright-core never downloads a browser here), and the folder
// the tests save their screenshots in.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { repoRoot } from './parley.mjs';

export const screenshotDir = join(repoRoot, 'tests', '.tmp', 'screenshots');
mkdirSync(screenshotDir, { recursive: true });

// `extraArgs`: e.g. the fake microphone flags of the dictation tests.
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}
