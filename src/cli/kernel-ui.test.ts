// The web UI of a kernel-mode lab in Chromium: the header says "kernel", and a connection NetworkPolicy drops inside a
// node shows in the flow log with the netfilter verdict the kernel traced: the policy table's chain and the rule
// (its comment names the policies) that dropped it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { namespacesWithPrefix } from '../realize/netns.js';
import { kernelDescribe } from '../realize/testing.js';
import { ARTIFACTS, launchChromium, uiSkipReason } from '../serve/ui-browser.js';
import { runCli, startKernelLab as up, type KernelLab as Up } from './testing.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

kernelDescribe('podnet up --kernel: the UI shows kernel mode and each flow\'s netfilter verdict', () => {
  let lab: Up;
  let page: Page;
  let closeBrowser: (() => Promise<void>) | undefined;
  before(async () => {
    if (uiSkipReason) return;
    lab = await up(join(root, 'examples', 'shop'));
    const b = await launchChromium();
    page = b.page;
    closeBrowser = b.close;
  });
  after(async () => {
    await closeBrowser?.();
    if (lab && lab.child.exitCode === null) { lab.child.kill('SIGTERM'); await lab.exited; }
    if (lab) assert.deepEqual(await namespacesWithPrefix(lab.prefix), []);
  });

  test('a connection deny-all drops: the flow names the chain and rule that dropped it', { skip: uiSkipReason }, async () => {
    await page.goto(lab.out.match(/UI +(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/)![1]);
    await page.getByTestId('summary').waitFor();
    assert.equal(await page.getByTestId('mode').innerText(), `kernel · lab ${lab.prefix.slice(0, -1)} (2 node namespaces)`);
    await page.getByTestId('tab-Flows').click();
    await page.getByTestId('flows-panel').waitFor();
    const pod = 'production/backend-6974c594d6-gdtrq';
    const veth = await page.evaluate(async (p) => {
      const s = await (await fetch('/api/summary')).json() as { kernel: { pods: { pod: string; hostVeth?: string }[] } };
      return s.kernel.pods.find((x) => x.pod === p)?.hostVeth;
    }, pod);
    assert.match(veth ?? '', /^cali[0-9a-f]{11}$/);
    const denied = await runCli('exec', '--lab', lab.url, 'production/deploy/backend', '--', 'curl', '-s', '-m', '1', 'http://frontend.production/');
    assert.equal(denied.code, 28, 'deny-all drops it: curl times out');
    const row = page.locator('tr.dropped', { has: page.getByTestId('netfilter-rule') }).first();
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.locator('td').nth(3).innerText(), pod);
    assert.equal(await row.locator('td').nth(4).innerText(), '10.101.0.100:80');
    assert.equal(await row.getByTestId('netfilter-chain').innerText(), `np-egress-${veth}`);
    assert.equal(await row.getByTestId('netfilter-rule').innerText(), 'production/{allow-dns-egress, deny-all} egress: isolated, no rule allows');
    assert.equal(await row.getByTestId('netfilter').innerText(), `drop inet podnet-policy np-egress-${veth} on node-2: production/{allow-dns-egress, deny-all} egress: isolated, no rule allows`);
    // The DNS query before it was let through, by the rule that allows it.
    const dns = page.locator('tr.delivered', { hasText: '10.96.0.10:53' }).first();
    await dns.waitFor();
    assert.equal(await dns.getByTestId('netfilter').innerText(), 'accept inet podnet-policy forward on node-2: production/allow-dns-egress egress[0]');
    await page.screenshot({ path: join(ARTIFACTS, 'kernel-flows.png') });
  });
});
