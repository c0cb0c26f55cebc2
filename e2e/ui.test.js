// The activity page (cms_events_ui) in a real browser: headless Debian
// Chromium driven by playwright-core. The SDK writes through the gateway,
// the page shows the calls live, a call's details, pauses and resumes the
// webhook, and redelivers a call that failed after its retries.
//
// Run with CADDY_BIN pointing at a caddy binary built with this module;
// CHROMIUM_BIN overrides /usr/bin/chromium.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createClient } from 'contentful-management';
import { launchBrowser, openPage } from './lib/browser.js';
import { startCaddy } from './lib/caddy.js';
import { CONTENT_TYPE_ID, LOCALE } from './lib/lifecycle.js';
import { startReceiver } from './lib/receiver.js';
import { waitFor } from './lib/wait.js';

const SECRET = 'e2eSigningSecret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJK';
const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
/** The page's mount in the gateway site. */
const SITE = `	handle /cms-events/* {
		cms_events_ui
	}`;

const byTestId = (id) => `[data-testid="${id}"]`;

/** The entity id of a receiver call, from its JSON body. */
function idOf(call) {
  try {
    return JSON.parse(call.body)?.sys?.id;
  } catch {
    return undefined;
  }
}

/** The rows of the calls table as the page shows them. */
function rows(page) {
  return page.$$eval('[data-testid="call-row"]', (trs) =>
    trs.map((tr) => ({
      id: tr.dataset.callId,
      outcome: tr.dataset.outcome,
      status: tr.dataset.status,
      topic: tr.querySelector('.col-topic').textContent,
      entity: tr.querySelector('.col-entity').textContent,
      attempt: tr.querySelector('.col-attempt').textContent,
    })),
  );
}

const describeRows = (list) => list.map((r) => `${r.topic} ${r.entity} attempt ${r.attempt}: ${r.status} ${r.outcome}`).join('\n  ') || '(none)';

/** The data-testid of the focused element (or its tag). */
const focused = (page) => page.evaluate(() => document.activeElement?.dataset?.testid || document.activeElement?.tagName);

test('the activity page shows live calls and pauses, resumes and redelivers', async (t) => {
  const caddyBin = process.env.CADDY_BIN;
  assert.ok(caddyBin, 'CADDY_BIN is not set: build a caddy binary that includes this module and run CADDY_BIN=/path/to/caddy npm test');
  const receiver = await startReceiver(SECRET);
  t.after(() => receiver.close());
  const caddy = await startCaddy({ caddyBin, receiverPort: receiver.port, secret: SECRET, site: SITE });
  t.after(() => caddy.stop());
  const client = createClient(
    { accessToken: 'e2e-token', host: caddy.gatewayHost, insecure: true },
    { type: 'plain', defaults: { spaceId: 'e2e', environmentId: 'master' } },
  );
  const browser = await launchBrowser();
  t.after(() => browser.close());
  await fs.mkdir(SCREENSHOTS, { recursive: true });

  const callsFor = (id) => receiver.calls.filter((c) => idOf(c) === id);
  const newEntry = (title) => client.entry.create({ contentTypeId: CONTENT_TYPE_ID }, { fields: { title: { [LOCALE]: title } } });
  const waitForCall = (id, what) =>
    waitFor(
      () => `${what}: a call for ${id}; received ${receiver.calls.length} calls; caddy output:\n${caddy.output()}`,
      () => callsFor(id).length > 0,
    );

  // Writes through the gateway, each one a call.
  const contentType = await client.contentType.createWithId(
    { contentTypeId: CONTENT_TYPE_ID },
    { name: 'E2E post', displayField: 'title', fields: [{ id: 'title', name: 'Title', type: 'Symbol', required: true }] },
  );
  await client.contentType.publish({ contentTypeId: CONTENT_TYPE_ID }, contentType);
  const first = await newEntry('First');
  await waitForCall(first.sys.id, 'the first entry');

  const { page, problems } = await openPage(browser, { viewport: { width: 1280, height: 900 } });
  const waitRows = (what, check) => {
    let seen = [];
    return waitFor(
      () => `${what}; the page shows:\n  ${describeRows(seen)}\nstatus line: ${problems.join('; ')}`,
      async () => {
        seen = await rows(page);
        return check(seen);
      },
    );
  };
  const statusLine = page.locator(byTestId('status-line'));
  const waitStatus = (pattern) =>
    waitFor(
      () => `the status line to match ${pattern}`,
      async () => pattern.test((await statusLine.textContent()) ?? ''),
    );

  await t.test('the page lists the webhook and its calls', async () => {
    await page.goto(`http://${caddy.gatewayHost}/cms-events/`);
    const item = page.locator(byTestId('webhook-item'));
    await item.first().waitFor();
    assert.equal(await item.count(), 1, 'one webhook');
    const text = await item.first().textContent();
    assert.match(text, /e2e/, 'the webhook name');
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${receiver.port}/hook`), 'the target URL');
    // The first webhook is selected in the URL hash, so it survives a reload.
    const id = await item.first().getAttribute('data-webhook-id');
    await waitFor(() => `the hash #webhook=${id}, at ${page.url()}`, () => page.url().endsWith(`#webhook=${encodeURIComponent(id)}`));
    await page.reload();
    await page.locator(byTestId('webhook-name')).waitFor();
    assert.equal(await page.locator(byTestId('webhook-id')).textContent(), id);

    const list = await waitRows('three calls: ContentType.create, ContentType.publish, Entry.create', (r) => r.length >= 3 && r);
    assert.deepEqual(
      list.map((r) => r.topic),
      ['ContentManagement.Entry.create', 'ContentManagement.ContentType.publish', 'ContentManagement.ContentType.create'],
      'newest first',
    );
    for (const r of list) {
      assert.equal(r.status, '200');
      assert.equal(r.outcome, 'delivered');
      assert.equal(r.attempt, '1');
    }
    assert.equal(list[0].entity, first.sys.id);
    assert.match(await page.locator(byTestId('webhook-health')).textContent(), /3 of 3 healthy/);
    assert.match(await page.locator(byTestId('pager-range')).textContent(), /1–3 of 3/);
    assert.ok(await page.locator(byTestId('newer-button')).isDisabled(), 'no newer page');
    assert.ok(await page.locator(byTestId('older-button')).isDisabled(), 'no older page');
  });

  await t.test('a call’s details: request and response, live updates keep the dialog and the focus', async () => {
    const row = page.locator(`[data-testid="call-row"]`, { hasText: 'ContentManagement.Entry.create' });
    await row.locator(byTestId('view-details')).click();
    const dialog = page.locator(byTestId('call-details-dialog'));
    await dialog.locator(byTestId('response-status')).waitFor();
    assert.equal(await dialog.locator(byTestId('request-method')).textContent(), 'POST');
    assert.match(await dialog.locator(byTestId('request-url')).textContent(), /\/hook\?source=gateway&env=master$/);
    const requestText = await dialog.locator(byTestId('details-request')).textContent();
    assert.match(requestText, /X-Contentful-Topic/i, 'the request headers');
    assert.match(requestText, /ContentManagement\.Entry\.create/);
    const body = await dialog.locator(byTestId('request-body')).textContent();
    assert.match(body, /\n {2}"sys": \{/, 'the JSON body is pretty-printed');
    assert.equal(JSON.parse(body).sys.id, first.sys.id);
    assert.equal(await dialog.locator(byTestId('response-status')).textContent(), '200');
    assert.match(await dialog.locator(byTestId('response-body')).textContent(), /ok/);
    assert.equal(await focused(page), 'details-close', 'the dialog has the focus');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'activity-details-1280.png') });

    // A new call arrives while the dialog is open.
    const live = await newEntry('Live');
    await waitRows('the live call', (r) => r.some((x) => x.entity === live.sys.id));
    assert.ok(await dialog.evaluate((d) => d.open), 'the dialog is still open');
    assert.equal(await focused(page), 'details-close', 'the focus stayed in the dialog');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), 'Tab stays in the dialog');

    await page.keyboard.press('Escape');
    await waitFor(() => 'the dialog to close', async () => !(await dialog.evaluate((d) => d.open)));
    assert.equal(await focused(page), 'view-details', 'the focus is back on the button that opened it');
  });

  await t.test('pause: nothing is sent; resume: the queued event is sent', async () => {
    await page.locator(byTestId('pause-button')).click();
    const confirm = page.locator(byTestId('confirm-dialog'));
    await confirm.waitFor();
    assert.match(await confirm.textContent(), /Pause deliveries to “e2e”/);
    assert.equal(await focused(page), 'confirm-cancel', 'the confirm dialog focuses Cancel');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'confirm-ok');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'confirm-cancel', 'Tab wraps inside the dialog');
    await page.locator(byTestId('confirm-ok')).click();
    await waitStatus(/Paused deliveries to “e2e”/);
    await page.locator(byTestId('webhook-paused-badge')).waitFor();
    await page.locator(byTestId('webhook-item-paused')).waitFor();
    assert.equal(await focused(page), 'resume-button', 'the focus moves to Resume');

    const before = receiver.calls.length;
    const held = await newEntry('Held');
    await waitFor(
      () => 'the held event to be queued',
      async () => (await page.locator(byTestId('webhook-queued')).textContent()) === '1',
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(receiver.calls.length, before, 'a paused webhook sends nothing');
    assert.ok(await page.locator(byTestId('webhook-paused-badge')).isVisible(), 'the page shows Paused');

    // Resume with the keyboard alone.
    await page.locator(byTestId('resume-button')).focus();
    await page.keyboard.press('Enter');
    await confirm.waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await waitStatus(/Resumed deliveries to “e2e”/);
    await waitForCall(held.sys.id, 'the held entry after resume');
    await waitRows('the held call', (r) => r.some((x) => x.entity === held.sys.id && x.outcome === 'delivered'));
    assert.ok(!(await page.locator(byTestId('webhook-paused-badge')).isVisible()), 'no Paused badge');
  });

  let failedEntry;
  await t.test('a call that fails after its retries, redelivered once the receiver is back', async () => {
    receiver.setStatus(500);
    failedEntry = await newEntry('Failing');
    await waitFor(
      () => 'the failing delivery to run out of attempts',
      async () => (await page.locator(byTestId('webhook-failed')).textContent()) === '1',
    );
    const attempts = callsFor(failedEntry.sys.id).length;
    assert.ok(attempts >= 2, `retried: ${attempts} attempts`);
    const list = await waitRows(`${attempts} failed calls`, (r) => {
      const mine = r.filter((x) => x.entity === failedEntry.sys.id);
      return mine.length === attempts && mine;
    });
    assert.deepEqual(list.map((r) => r.status), Array(attempts).fill('500'));
    assert.equal(list[0].attempt, String(attempts), 'the last attempt first');
    assert.equal(list[0].outcome, 'failed', 'the last attempt failed for good');
    for (const r of list.slice(1)) {
      assert.equal(r.outcome, 'retrying', 'an earlier attempt was retried');
    }
    assert.equal(await page.locator(`${byTestId('call-row')}[data-call-id="${list[0].id}"] .badge`).getAttribute('data-outcome'), 'failed');
    assert.equal(await page.locator(byTestId('queue-failed')).textContent(), '1');

    receiver.setStatus(200);
    const before = callsFor(failedEntry.sys.id).length;
    await page.locator(`${byTestId('call-row')}[data-call-id="${list[0].id}"] ${byTestId('redeliver-call')}`).click();
    await page.locator(byTestId('confirm-dialog')).waitFor();
    await page.locator(byTestId('confirm-ok')).click();
    await waitStatus(/Redelivery of .* queued/);
    await waitFor(() => 'the redelivered call', () => callsFor(failedEntry.sys.id).length > before);
    const redelivered = callsFor(failedEntry.sys.id).at(-1);
    assert.equal(redelivered.verification, 'valid', 'the redelivery is signed');
    await waitRows('the new successful call', (r) => r.some((x) => x.entity === failedEntry.sys.id && x.status === '200' && x.outcome === 'delivered'));
    await waitFor(
      () => 'the failed count to go back to 0',
      async () => (await page.locator(byTestId('webhook-failed')).textContent()) === '0',
    );
  });

  await t.test('redeliver failed: Escape cancels, confirming reports the count', async () => {
    await page.locator(byTestId('redeliver-failed-button')).click();
    await page.locator(byTestId('confirm-dialog')).waitFor();
    await page.keyboard.press('Escape');
    await waitStatus(/Cancelled/);
    assert.equal(await focused(page), 'redeliver-failed-button', 'the focus is back on the button');
    await page.locator(byTestId('redeliver-failed-button')).click();
    await page.locator(byTestId('confirm-ok')).click();
    await waitStatus(/no failed deliveries to redeliver/);
  });

  await t.test('the chart of the last hour', async () => {
    const chart = page.locator(byTestId('activity-chart'));
    await chart.locator('svg rect.bar--delivered').first().waitFor();
    assert.ok((await chart.locator('svg rect.bar--failed').count()) > 0, 'failed calls are drawn');
    const label = await chart.locator('svg').getAttribute('aria-labelledby');
    assert.ok(label, 'the chart has an accessible name');
    assert.match(await page.locator(byTestId('chart-summary')).textContent(), /Last hour: \d+ calls: \d+ delivered, \d+ retrying, [1-9]\d* failed/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'activity-1280.png'), fullPage: true });
  });

  await t.test('paging: Older and Newer', async () => {
    for (let i = 0; i < 12; i++) {
      await newEntry(`Page ${i}`);
    }
    const range = page.locator(byTestId('pager-range'));
    let total = 0;
    await waitFor(
      () => 'more than 20 calls',
      async () => {
        const m = /of (\d+)$/.exec((await range.textContent()) ?? '');
        total = m ? Number(m[1]) : 0;
        return total > 20;
      },
    );
    const newest = (await rows(page))[0].id;
    await page.locator(byTestId('older-button')).click();
    await waitFor(() => 'the older page', async () => (await range.textContent()).startsWith('21–'));
    const older = await rows(page);
    assert.ok(older.length >= 1 && older.length <= total - 20, `the older page has the rest: ${older.length}`);
    assert.ok(!older.some((r) => r.id === newest), 'the newest call is not on the older page');
    assert.equal(await focused(page), 'newer-button', 'Older is disabled on the last page; the focus moves to Newer');
    await page.keyboard.press('Enter');
    await waitFor(() => 'the newest page', async () => (await range.textContent()).startsWith('1–20 of'));
    assert.equal(await focused(page), 'older-button', 'the focus moves to Older');
  });

  await t.test('at 390 px the page has no horizontal overflow', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const overflow = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
      wide: [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest('.visually-hidden, thead'))
        .slice(0, 5)
        .map((e) => `${e.tagName}.${e.className}`),
    }));
    assert.ok(overflow.scroll <= overflow.client, `the page is ${overflow.scroll} px wide in a ${overflow.client} px viewport; too wide: ${overflow.wide.join(', ')}`);
    // The calls are stacked cards, one per call.
    const display = await page.locator(byTestId('call-row')).first().evaluate((tr) => getComputedStyle(tr).display);
    assert.equal(display, 'grid', 'a call is a card');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'activity-390.png'), fullPage: true });

    await page.locator(byTestId('view-details')).first().click();
    const dialog = page.locator(byTestId('call-details-dialog'));
    await dialog.locator(byTestId('response-status')).waitFor();
    const box = await dialog.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `the dialog fits: ${JSON.stringify(box)}`);
    const inner = await dialog.evaluate((d) => ({ scroll: d.scrollWidth, client: d.clientWidth }));
    assert.ok(inner.scroll <= inner.client, `the dialog's content is ${inner.scroll} px wide in ${inner.client} px`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'activity-details-390.png') });
    await page.keyboard.press('Escape');
  });

  assert.deepEqual(problems, [], 'no script errors and no Content-Security-Policy violations');
});
