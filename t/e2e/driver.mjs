// The real SDKs as a visitor outside the allow-list (t/sdk_e2e.t runs it).
//
//   node driver.mjs API_URL PAGE_URL
//
// API_URL is httpd with mod_posthog_secure in front of standin.mjs; PAGE_URL
// is standin.mjs's page server (another origin, no module).
// - posthog-js in Debian's Chromium (playwright-core): the page inits it with
//   api_host = API_URL and a project token, then uses every feature the
//   stand-in's remote config switches on; a second page with the legacy
//   token sends events to /e/.
// - posthog-node 5.x and 4.x with a personal API key (local evaluation,
//   remote config payloads) and the project token (capture, flags).
// Prints one JSON document on stdout: each request the SDKs made to API_URL
// with the status they got, what the page made of the answers, and the
// features whose requests got no answer in time.
import { chromium } from 'playwright-core';
import { PostHog as PostHogNode } from 'posthog-node';
import { PostHog as PostHogNodeV4 } from 'posthog-node-v4';
import fs from 'node:fs';

const [api, pageBase] = process.argv.slice(2);
if (!api || !pageBase) {
    console.error('usage: node driver.mjs API_URL PAGE_URL');
    process.exit(2);
}
const FULL_TOKEN = 'phc_e2e_full';
const LEGACY_TOKEN = 'phc_e2e_legacy';
const PERSONAL_KEY = 'phx_e2e_personal_key';
const chromiumPath = process.env.PHS_CHROMIUM || '/usr/bin/chromium';
const version = (name) => JSON.parse(fs.readFileSync(
    new URL(`node_modules/${name}/package.json`, import.meta.url))).version;
const jsSdk = `posthog-js ${version('posthog-js')}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const apiOrigin = new URL(api).origin;

// --- posthog-js in Chromium ------------------------------------------------

// The paths each browser feature must have asked for, once the page settled.
const browserFeatures = {
    'remote config': (r) => /^\/array\/[^/]+\/config(\.js)?$/.test(r.path),
    flags: (r) => r.path === '/flags/',
    'events (/i/v0/e/)': (r) => r.path === '/i/v0/e/',
    'session recording': (r) => r.path === '/s/',
    surveys: (r) => r.path === '/api/surveys/',
    'product tours': (r) => r.path === '/api/product_tours/',
    'early access features': (r) => r.path === '/api/early_access_features/',
    'web experiments': (r) => r.path === '/api/web_experiments/',
    'site apps': (r) => r.path.startsWith('/site_app/'),
    'conversations widget': (r) => r.path === '/api/conversations/v1/widget/message',
};

// Each request the page makes to the api host: its status once answered, or
// why it failed (a refusal without CORS headers is a failure to the page).
function watch(page, requests) {
    const entries = new Map();
    page.on('request', (req) => {
        const u = new URL(req.url());
        if (u.origin !== apiOrigin) return;
        const entry = { sdk: jsSdk, method: req.method(),
                        url: req.url(), path: u.pathname, query: u.search.replace(/^\?/, ''),
                        type: req.resourceType(), personalKey: false, status: null };
        entries.set(req, entry);
        requests.push(entry);
    });
    page.on('response', (res) => {
        const entry = entries.get(res.request());
        if (entry) entry.status = res.status();
    });
    page.on('requestfailed', (req) => {
        const entry = entries.get(req);
        if (entry) entry.failure = req.failure()?.errorText ?? 'failed';
    });
}

const answered = (r) => r.status !== null || r.failure;

// Settled: every feature's request has an answer (whatever it was), or the
// deadline passed.
async function settle(requests, features, deadline) {
    for (;;) {
        const missing = Object.keys(features)
            .filter((f) => !requests.some((r) => features[f](r) && answered(r)));
        if (!missing.length || Date.now() > deadline) return missing;
        await sleep(250);
    }
}

// Quiet: no request to the api host waits for its answer (so closing the
// page aborts none), or the deadline passed.
async function quiet(requests, deadline) {
    while (requests.some((r) => !answered(r)) && Date.now() < deadline) await sleep(100);
}

async function browserRun(browser) {
    const requests = [];
    // The visitor is a browser, not a bot: posthog-js refuses web
    // experiments to HeadlessChrome and to navigator.webdriver.
    const context = await browser.newContext({
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 ' +
                   '(KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
    });
    const page = await context.newPage();
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    watch(page, requests);
    const q = new URLSearchParams({ api, token: FULL_TOKEN });
    await page.goto(`${pageBase}/?${q}`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__phs_loaded === true, null, { timeout: 10000 });

    // What a visitor does: clicks, reads, joins a beta, writes to support.
    await page.click('#buy');
    const calls = await page.evaluate(async () => {
        const withTimeout = (p, ms) => Promise.race([p, new Promise((_, rej) =>
            setTimeout(() => rej(new Error('no answer in time')), ms))]);
        const eaf = await withTimeout(new Promise((resolve) =>
            window.posthog.getEarlyAccessFeatures((f) => resolve(f), true)), 8000)
            .then((f) => f.map((x) => x.name), (e) => `error: ${e.message}`);
        // The conversations extension loads after the remote config.
        for (let i = 0; i < 40 && !window.posthog.conversations?.isAvailable?.(); i++) {
            await new Promise((r) => setTimeout(r, 100));
        }
        const conversation = await withTimeout(
            window.posthog.conversations.sendMessage('Hello from the e2e visitor'), 8000)
            .then((d) => d?.ticket_id ?? `no ticket: ${JSON.stringify(d)}`, (e) => `error: ${e.message}`);
        return { eaf, conversation };
    });
    for (let i = 0; i < 5; i++) {
        await page.evaluate((n) => {
            const p = document.createElement('p');
            p.textContent = `line ${n} for the recording`;
            document.body.appendChild(p);
        }, i);
        await page.mouse.move(20 + 30 * i, 40 + 10 * i);
    }
    const missing = await settle(requests, browserFeatures, Date.now() + 20000);
    const state = await page.evaluate(() => ({
        headline: document.getElementById('headline').textContent,
        siteApp: window.__phs_site_app ?? null,
        webdriver: navigator.webdriver,
        survey: !!document.querySelector('[class^="PostHogSurvey"], [class*=" PostHogSurvey"]'),
        errors: window.__phs_errors,
    }));

    // The oldest remote config: events to /e/; leaving the page sends its
    // last events by beacon.
    const legacy = await context.newPage();
    watch(legacy, requests);
    const lq = new URLSearchParams({ api, token: LEGACY_TOKEN });
    await legacy.goto(`${pageBase}/?${lq}`, { waitUntil: 'load' });
    await legacy.waitForFunction(() => window.__phs_loaded === true, null, { timeout: 10000 });
    await legacy.click('#buy');
    const legacyMissing = await settle(requests, { 'events (/e/)': (r) => r.path === '/e/' },
                                       Date.now() + 10000);
    await quiet(requests, Date.now() + 3000);
    await context.close();
    return { requests, missing: [...missing, ...legacyMissing],
             state: { ...state, ...calls }, console: consoleLines.slice(-40) };
}

// --- posthog-node ------------------------------------------------------------

function recordingFetch(sdk, requests) {
    return async (url, options = {}) => {
        const headers = new Headers(options.headers || {});
        const u = new URL(url);
        const entry = { sdk, method: options.method || 'GET', url: String(url),
                        path: u.pathname, query: u.search.replace(/^\?/, ''),
                        personalKey: (headers.get('authorization') || '').includes(PERSONAL_KEY) };
        try {
            const res = await fetch(url, options);
            requests.push({ ...entry, status: res.status });
            return res;
        } catch (err) {
            requests.push({ ...entry, status: 0, failure: String(err) });
            throw err;
        }
    };
}

async function nodeRun(PostHog, sdk) {
    const requests = [];
    const errors = [];
    const client = new PostHog(FULL_TOKEN, {
        host: api, personalApiKey: PERSONAL_KEY, fetch: recordingFetch(sdk, requests),
        featureFlagsPollingInterval: 60000, flushAt: 1, flushInterval: 0,
        fetchRetryCount: 0, requestTimeout: 5000,
    });
    client.on('error', (e) => errors.push(String(e?.message || e)));
    const result = {};
    client.capture({ distinctId: 'node-visitor', event: 'server side event' });
    // Local evaluation first (personal key); refused, it falls back to /flags.
    result.flag = await client.getFeatureFlag('e2e-flag', 'node-visitor').catch((e) => `error: ${e}`);
    result.remoteConfigPayload = await client.getRemoteConfigPayload('e2e-flag')
        .then((p) => p ?? null, (e) => `error: ${e.message || e}`);
    await client.shutdown(5000);
    return { requests, result, errors };
}

// --- main --------------------------------------------------------------------

const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // Machine notes: headless as root needs --no-sandbox; with background
    // networking on, Chromium keeps dialling Google (no network here).
    // playwright-core gives it a new empty profile of its own.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--disable-dev-shm-usage',
           '--disable-blink-features=AutomationControlled'],
    ignoreDefaultArgs: ['--enable-automation'],
    timeout: 20000,
});
let out;
try {
    const browserResult = await browserRun(browser);
    const node5 = await nodeRun(PostHogNode, `posthog-node ${version('posthog-node')}`);
    const node4 = await nodeRun(PostHogNodeV4, `posthog-node ${version('posthog-node-v4')}`);
    await sleep(300);
    out = {
        versions: { 'posthog-js': version('posthog-js'), 'posthog-node': version('posthog-node'),
                    'posthog-node-v4': version('posthog-node-v4'),
                    'playwright-core': version('playwright-core'),
                    chromium: browser.version() },
        browser: browserResult,
        node: [node5, node4],
    };
} finally {
    await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
