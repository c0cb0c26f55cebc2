// A headless Chromium driven by playwright-core: Debian's chromium package,
// not a browser build of Playwright's own.

import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import { chromium } from 'playwright-core';

/** The browser binary; CHROMIUM_BIN overrides Debian's. */
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

/**
 * Launches headless Chromium.
 *
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchBrowser() {
  try {
    await fs.access(CHROMIUM_BIN, constants.X_OK);
  } catch {
    throw new Error(`${CHROMIUM_BIN} is not an executable file: apt-get install -y chromium, or point CHROMIUM_BIN at a Chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM_BIN, args: ['--no-sandbox'], headless: true });
}

/**
 * Opens a page that records the page's uncaught errors and console errors
 * (a Content-Security-Policy violation is one) into the returned list.
 *
 * @param {import('playwright-core').Browser} browser
 * @param {import('playwright-core').BrowserContextOptions} options
 */
export async function openPage(browser, options) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  /** @type {string[]} */
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // The browser asks the site's root for /favicon.ico whatever the page
    // links; the CMS behind the gateway refuses it, which is no fault of the page.
    if (msg.type() === 'error' && !msg.location().url.endsWith('/favicon.ico')) {
      problems.push(`console error: ${msg.text()} (${msg.location().url})`);
    }
  });
  page.on('response', (res) => {
    if (res.status() >= 400) {
      problems.push(`${res.request().method()} ${res.url()}: ${res.status()}`);
    }
  });
  page.on('requestfailed', (req) => problems.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  return { context, page, problems };
}
