// The stand-in for PostHog behind httpd (t/sdk_e2e.t), and the visitor's page.
//
// Two servers on free ports of 127.0.0.1:
// - backend: what httpd with mod_posthog_secure proxies to.  It records every
//   request it receives (method, path, query, headers, body size) and answers
//   what the real SDKs need to switch their features on: remote config,
//   flags, the lazy extensions (served from posthog-js's own dist), surveys,
//   product tours, early access features, web experiments, a site app, the
//   conversations widget, event, batch and recording ingestion; CORS for the
//   page's origin.
// - page: a static server of another origin (no module): the page and the
//   posthog-js bundles.
//
//   node standin.mjs RECORD_FILE
// Prints {"backend":PORT,"page":PORT} on one line once both listen; each
// request to the backend is appended to RECORD_FILE, one JSON a line.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'node_modules', 'posthog-js', 'dist');
const recordFile = process.argv[2];
if (!recordFile) {
    console.error('usage: node standin.mjs RECORD_FILE');
    process.exit(2);
}

// The project token with every feature on; any other token gets the oldest
// remote config (no analytics endpoint: events go to /e/).
const FULL_TOKEN = 'phc_e2e_full';
const SITE_APP_PATH = `/site_app/1/${FULL_TOKEN}/e2ehash/`;

function remoteConfig(token) {
    if (token !== FULL_TOKEN) {
        return { token, supportedCompression: [], hasFeatureFlags: false,
                 autocapture_opt_out: true, sessionRecording: false,
                 surveys: false, productTours: false, heatmaps: false };
    }
    return {
        token,
        supportedCompression: ['gzip-js'],
        hasFeatureFlags: true,
        autocapture_opt_out: false,
        capturePerformance: false,
        autocaptureExceptions: false,
        analytics: { endpoint: '/i/v0/e/' },
        elementsChainAsString: true,
        sessionRecording: { endpoint: '/s/', recorderVersion: 'v2',
                            sampleRate: null, minimumDurationMilliseconds: null,
                            linkedFlag: null, networkPayloadCapture: null,
                            consoleLogRecordingEnabled: false },
        heatmaps: false,
        surveys: true,
        productTours: true,
        siteApps: [{ id: 1, url: SITE_APP_PATH }],
        conversations: { enabled: true, widgetEnabled: true,
                         token: 'conv_e2e_public', domains: [] },
        defaultIdentifiedOnly: true,
    };
}

const flagsV2 = {
    flags: {
        'e2e-flag': { key: 'e2e-flag', enabled: true, variant: null,
                      reason: { code: 'condition_match' },
                      metadata: { id: 1, version: 1, payload: null } },
        'web-exp-flag': { key: 'web-exp-flag', enabled: true, variant: 'test',
                          reason: { code: 'condition_match' },
                          metadata: { id: 2, version: 1, payload: null } },
        'eaf-flag': { key: 'eaf-flag', enabled: false, variant: null,
                      reason: { code: 'no_condition_match' },
                      metadata: { id: 3, version: 1, payload: null } },
    },
    errorsWhileComputingFlags: false,
    requestId: 'e2e-request',
};

const survey = {
    id: 'e2e-survey', name: 'e2e survey', type: 'popover',
    questions: [{ type: 'open', question: 'What brought you here?', id: 'q1' }],
    conditions: null, appearance: null, start_date: '2024-01-01T00:00:00Z',
    end_date: null, current_iteration: null, current_iteration_start_date: null,
    linked_flag_key: null, targeting_flag_key: null,
    internal_targeting_flag_key: null, schedule: 'once',
};

const webExperiment = {
    id: 1, name: 'e2e headline', feature_flag_key: 'web-exp-flag',
    variants: { test: { transforms: [{ selector: '#headline',
                                       html: 'Headline from the web experiment' }] } },
};

// A legacy site app: it runs in the page and says it saw its instance.
const siteAppJs = "window.__phs_site_app = window['__$$ph_site_app_1'] ? 'loaded with its instance' : 'loaded';\n";

function cors(req, headers) {
    const origin = req.headers.origin;
    if (origin) {
        headers['Access-Control-Allow-Origin'] = origin;
        headers['Access-Control-Allow-Credentials'] = 'true';
        headers.Vary = 'Origin';
    }
    return headers;
}

function send(req, res, status, type, body, extra = {}) {
    res.writeHead(status, cors(req, { 'Content-Type': type, ...extra }));
    res.end(body);
}

const json = (req, res, obj, status = 200) =>
    send(req, res, status, 'application/json', JSON.stringify(obj));

function staticFile(req, res, file, type) {
    const full = path.join(dist, path.basename(file));
    if (!file.endsWith('.js') || !fs.existsSync(full)) {
        return json(req, res, { detail: 'no such extension' }, 404);
    }
    send(req, res, 200, type, fs.readFileSync(full));
}

// The answer of PostHog for each path the SDKs use.
function answer(req, res, url) {
    const p = url.pathname;
    let m;
    if (req.method === 'OPTIONS') {
        res.writeHead(204, cors(req, {
            'Access-Control-Allow-Methods': 'GET, POST, PATCH, OPTIONS',
            'Access-Control-Allow-Headers':
                req.headers['access-control-request-headers'] || 'Content-Type',
            'Access-Control-Max-Age': '0',
        }));
        return res.end();
    }
    if ((m = p.match(/^\/array\/([^/]+)\/config\.js$/))) {
        const cfg = JSON.stringify({ config: remoteConfig(m[1]), siteApps: [] });
        return send(req, res, 200, 'application/javascript',
            `(function(){window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};` +
            `window._POSTHOG_REMOTE_CONFIG[${JSON.stringify(m[1])}]=${cfg};})();\n`);
    }
    if ((m = p.match(/^\/array\/([^/]+)\/config$/))) return json(req, res, remoteConfig(m[1]));
    if ((m = p.match(/^\/static\/(?:[0-9.]+\/)?([\w.-]+\.js)$/))) {
        return staticFile(req, res, m[1], 'application/javascript');
    }
    if (/^\/flags\/definitions(\/|$)/.test(p) || p.startsWith('/api/feature_flag/local_evaluation')) {
        return json(req, res, { flags: [], group_type_mapping: {}, cohorts: {} });
    }
    if (p === '/flags/' || p === '/flags') return json(req, res, flagsV2);
    if (p === '/decide/' || p === '/decide') {
        return json(req, res, { featureFlags: { 'e2e-flag': true }, featureFlagPayloads: {} });
    }
    if (['/e/', '/i/v0/e/', '/batch/', '/s/', '/capture/', '/i/v0/ai/batch/'].includes(p)) {
        return json(req, res, { status: 1 });
    }
    if (p === '/api/surveys/' || p === '/api/surveys') return json(req, res, { surveys: [survey] });
    if (p.startsWith('/api/product_tours')) return json(req, res, { product_tours: [] });
    if (p.startsWith('/api/early_access_features')) {
        return json(req, res, { earlyAccessFeatures: [{
            id: 'eaf-1', name: 'e2e beta', description: 'an early access feature',
            stage: 'beta', documentationUrl: '', flagKey: 'eaf-flag' }] });
    }
    if (p.startsWith('/api/web_experiments')) return json(req, res, { experiments: [webExperiment] });
    if (p.startsWith('/site_app/')) return send(req, res, 200, 'application/javascript', siteAppJs);
    if (p.startsWith('/api/conversations/v1/widget/')) {
        if (p.endsWith('/message')) {
            return json(req, res, { ticket_id: 'e2e-ticket', message_id: 'e2e-message',
                                    created_at: new Date().toISOString() });
        }
        if (p.includes('/messages/')) return json(req, res, { messages: [], has_more: false });
        if (p.endsWith('/tickets')) return json(req, res, { results: [], count: 0 });
        return json(req, res, {});
    }
    if (p.startsWith('/api/projects/')) return json(req, res, {});
    return json(req, res, { detail: 'not found' }, 404);
}

function record(req, url, bodyLength) {
    const entry = { method: req.method, path: url.pathname,
                    query: url.search.replace(/^\?/, ''), url: req.url,
                    headers: req.headers, bodyLength };
    // Written before the answer: whoever got one can read the record.
    fs.appendFileSync(recordFile, JSON.stringify(entry) + '\n');
}

const backend = http.createServer((req, res) => {
    let length = 0;
    req.on('data', (chunk) => { length += chunk.length; });
    req.on('end', () => {
        const url = new URL(req.url, 'http://backend.invalid');
        record(req, url, length);
        try {
            answer(req, res, url);
        } catch (err) {
            json(req, res, { detail: String(err) }, 500);
        }
    });
});

const page = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://page.invalid');
    if (url.pathname === '/favicon.ico') {
        res.writeHead(204);
        return res.end();
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        return res.end(fs.readFileSync(path.join(here, 'page.html')));
    }
    const m = url.pathname.match(/^\/posthog-js\/([\w.-]+\.js)$/);
    if (m && fs.existsSync(path.join(dist, m[1]))) {
        res.writeHead(200, { 'Content-Type': 'application/javascript' });
        return res.end(fs.readFileSync(path.join(dist, m[1])));
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
});

function listen(server) {
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server.address().port));
    });
}

const ports = { backend: await listen(backend), page: await listen(page) };
process.stdout.write(JSON.stringify(ports) + '\n');
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
