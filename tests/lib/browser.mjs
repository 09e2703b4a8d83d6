// Debian's Chromium for the end-to-end tests (playwright-core never downloads a browser here), and the folder
// the tests save their screenshots in.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { repoRoot, startParley } from './parley.mjs';
import { startFakeUpstream } from './fake_upstream.mjs';

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

// The usual rig of a UI test file: Chromium, a fake upstream and a parley that talks to it (no MCP servers).
export async function startUiRig() {
  const browser = await launchChromium();
  const up = await startFakeUpstream();
  const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-e2e-0123456789' },
    files: { 'data/mcp_servers.json': '{"servers":[]}' } });
  return { browser, up, p };
}

export async function stopUiRig({ browser, up, p }) {
  await browser?.close();
  await p?.stop();
  await up?.stop();
}
