// A stand-in for PostHog's web and capture services (topology.t), over TLS:
//   node standin.mjs CERT KEY LOG web=HOST:PORT capture=HOST:PORT
// Records every request it is sent (service, method, path, the forwarded
// headers and cookies it got, the peer) as a JSON line in LOG, and answers:
//   GET /login        a login form;  POST /login  sets the session cookie
//                     (sessionid) and PostHog's CSRF cookie (posthog_csrftoken)
//                     without any flag, as a careless backend would, and 302 to /
//   GET /             "logged in" when the session cookie came, else "anonymous"
//   anything else     200, a JSON echo (capture: {"status": 1})
import fs from 'node:fs';
import https from 'node:https';

const [cert, key, log, ...listens] = process.argv.slice(2);
const out = fs.openSync(log, 'a');
const page = (title, body) => `<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`;

for (const spec of listens) {
    const [service, addr] = spec.split('=');
    const i = addr.lastIndexOf(':');
    const host = addr.slice(0, i).replace(/^\[|\]$/g, ''), port = Number(addr.slice(i + 1));
    https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
        let body = '';
        req.on('data', (d) => { body += d; });
        req.on('end', () => {
            const h = req.headers;
            fs.writeSync(out, JSON.stringify({
                service, method: req.method, url: req.url, host: h.host,
                xff: h['x-forwarded-for'] ?? null, xfp: h['x-forwarded-proto'] ?? null,
                xrealip: h['x-real-ip'] ?? null, forwarded: h.forwarded ?? null,
                cookie: h.cookie ?? null, peer: req.socket.remoteAddress,
            }) + '\n');
            const path = new URL(req.url, 'https://x').pathname;
            if (service === 'web' && path === '/login' && req.method === 'POST') {
                res.writeHead(302, { Location: '/', 'Set-Cookie': [
                    'sessionid=s3ss10n; Path=/; SameSite=Lax',
                    'posthog_csrftoken=csrf123; Path=/',
                ] });
                return res.end();
            }
            if (service === 'web' && path === '/login') {
                res.writeHead(200, { 'Content-Type': 'text/html' });
                return res.end(page('login', '<form method="post" action="/login">'
                    + '<input name="email" value="alice@example.com"><button id="go" type="submit">Log in</button></form>'));
            }
            if (service === 'web' && path === '/') {
                const session = /(?:^|; )sessionid=s3ss10n(?:;|$)/.test(h.cookie || '');
                res.writeHead(200, { 'Content-Type': 'text/html' });
                return res.end(page('home', `<p id="who">${session ? 'logged in' : 'anonymous'}</p>`));
            }
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify(service === 'capture' ? { status: 1 } : { path }));
        });
    }).listen(port, host);
}
