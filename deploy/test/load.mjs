// Bounded traffic through the load balancer (topology.t):
//   node load.mjs URL CA LB_ADDRESS COUNT CONCURRENCY [MS_BETWEEN]
// COUNT GET requests to URL (its host name sent as Host and SNI, connected
// to LB_ADDRESS), CONCURRENCY at a time over keep-alive connections.  Prints
// {"total": N, "status": {"200": N, ...}, "errors": N} and stops.
import fs from 'node:fs';
import https from 'node:https';

const [url, ca, lb, count, concurrency, pause = '0'] = process.argv.slice(2);
const u = new URL(url);
const agent = new https.Agent({ keepAlive: true, maxSockets: Number(concurrency), ca: fs.readFileSync(ca) });
const result = { total: 0, status: {}, errors: 0, messages: [] };
let next = 0;
const one = () => new Promise((resolve) => {
    const req = https.request({ host: lb, port: u.port || 443, path: `${u.pathname}${u.search}${u.search ? '&' : '?'}n=${next}`,
        servername: u.hostname, headers: { Host: u.host }, agent, timeout: 10000 }, (res) => {
        res.resume();
        res.on('end', () => { result.status[res.statusCode] = (result.status[res.statusCode] || 0) + 1; resolve(); });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => { result.errors++; result.messages.push(e.message); resolve(); });
    req.end();
});
const worker = async () => {
    while (next < Number(count)) {
        next++;
        result.total++;
        await one();
        if (Number(pause)) await new Promise((r) => setTimeout(r, Number(pause)));
    }
};
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
result.messages = [...new Set(result.messages)].slice(0, 5);
console.log(JSON.stringify(result));
agent.destroy();
