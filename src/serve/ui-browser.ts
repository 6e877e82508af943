// For the UI's browser tests: a lab with its API and web UI on loopback, and Debian chromium driven by playwright-core
// with the flags this project runs it with (never a downloaded browser). `uiSkipReason` says why the tests cannot run.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Lab, type LabOptions } from './lab.js';
import { LabApi } from './lab/api.js';
import { WEB_ROOT } from '../cli/up.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = 'test-artifacts/ui';

export const uiSkipReason: string | false = !existsSync(CHROMIUM) ? `${CHROMIUM} is not installed (apt-get install -y chromium)`
  : !existsSync(join(WEB_ROOT, 'index.html')) ? `the UI is not built (${WEB_ROOT}: npm run build:web)` : false;

export interface UiSession {
  lab: Lab; api: LabApi; browser: BrowserContext; page: Page;
  /** The address `podnet up` prints: the page with the lab's token, which the lab turns into a cookie. */
  url(path?: string): string;
  close(): Promise<void>;
}

/** `chromiumArgs`: flags added to the project's own (e.g. --host-resolver-rules for a DNS-rebinding test). */
export async function startUiSession(opts: Pick<LabOptions, 'paths'> & Partial<LabOptions>, { chromiumArgs = [] as string[] } = {}): Promise<UiSession> {
  const lab = await Lab.start({ dnsPort: 0, httpPort: 0, httpsPort: 0, nodePortsAtNodePort: false, ...opts });
  const api = new LabApi(lab, WEB_ROOT);
  await api.listen(0);
  const { browser, page, close } = await launchChromium(chromiumArgs);
  return {
    lab, api, browser, page,
    url: (path = '/') => `http://127.0.0.1:${api.port}${path}${path.includes('?') ? '&' : '?'}token=${api.token}`,
    close: async () => {
      await close();
      await api.close();
      await lab.close();
    },
  };
}

/** Debian chromium with the project's flags and a fresh profile (removed by `close`). */
export async function launchChromium(chromiumArgs: string[] = []): Promise<{ browser: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'podnet-chromium-'));
  // A fresh --user-data-dir per run (playwright passes the profile folder as chromium's --user-data-dir).
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...chromiumArgs],
  });
  const page = browser.pages()[0] ?? await browser.newPage();
  mkdirSync(ARTIFACTS, { recursive: true });
  return { browser, page, close: async () => { await browser.close(); rmSync(profile, { recursive: true, force: true }); } };
}
