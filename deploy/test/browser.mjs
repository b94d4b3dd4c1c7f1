// Debian's Chromium, headless, logs in to the PostHog stand-in through the
// load balancer and httpd (topology.t runs it inside a client's network
// namespace):   node browser.mjs LB_ADDRESS
// posthog.test is mapped to LB_ADDRESS (--host-resolver-rules); the test
// CA is not installed, so certificate errors are ignored (the origin stays
// https: Secure cookies and HSTS work as with a trusted certificate).
// Prints one JSON document: what the page and its cookies looked like.
import { chromium } from 'playwright-core';

const [lb, spki] = process.argv.slice(2);
const browser = await chromium.launch({
    executablePath: process.env.PHS_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', `--host-resolver-rules=MAP posthog.test ${lb}`,
           `--ignore-certificate-errors-spki-list=${spki}`],
});
const result = {};
const requests = (page, list) => page.on('request', (r) => list.push(r.url()));
try {
    // 1. Plain HTTP first: httpd redirects, the browser follows, logs in.
    const a = await browser.newContext();
    const pa = await a.newPage();
    result.first = [];
    requests(pa, result.first);
    await pa.goto('http://posthog.test/login');
    result.loginUrl = pa.url();
    await Promise.all([pa.waitForURL('https://posthog.test/'), pa.click('#go')]);
    result.home = await pa.textContent('#who');
    result.cookies = (await a.cookies()).map(({ name, secure, httpOnly, sameSite }) => ({ name, secure, httpOnly, sameSite }));
    result.documentCookie = await pa.evaluate(() => document.cookie);
    // 2. The same browser asks for http:// again: HSTS, learnt over HTTPS,
    // upgrades it before anything leaves.
    result.hsts = [];
    requests(pa, result.hsts);
    await pa.goto('http://posthog.test/');
    result.hstsUrl = pa.url();
    result.hstsHome = await pa.textContent('#who');
    // 3. A browser holding the cookies but not the HSTS entry: its plain
    // HTTP request goes out without the session cookie (Secure), is
    // redirected, and the session works again over HTTPS.
    const b = await browser.newContext();
    await b.addCookies(await a.cookies());
    const pb = await b.newPage();
    result.plain = [];
    pb.on('request', async (r) => {
        if (r.url().startsWith('http://')) result.plain.push({ url: r.url(), cookie: (await r.allHeaders()).cookie ?? null });
    });
    await pb.goto('http://posthog.test/');
    result.plainUrl = pb.url();
    result.plainHome = await pb.textContent('#who');
} catch (e) {
    result.error = e.message;
} finally {
    await browser.close();
}
console.log(JSON.stringify(result));
