// The Kubernetes manifests of deploy/kubernetes, validated offline (no
// cluster: kubectl cannot validate without one), printing TAP.
//
//   node validate.mjs [KUSTOMIZATION_DIR...]   (default: base and every overlay)
//
// Each kustomization is rendered by `kubectl kustomize` (offline), then every
// object is checked three ways:
//   1. kubernetes-models: the OpenAPI schema of the Kubernetes API (types,
//      required fields, formats, enums);
//   2. kubernetes-types with TypeScript 5: each object as a typed object
//      literal, so an unknown or misspelt field is an excess-property error
//      (the schema check above lets those through, as the API server's
//      non-strict decoding would, silently dropping them);
//   3. this deployment's rules: Pod Security "restricted" and the rest of
//      docs/DEPLOYMENT.md (the HPA's scale, spread, probes on the exempt
//      health paths, readiness on the port the traffic enters by,
//      default-deny NetworkPolicies, the key as a file, the metrics port
//      scraped...).
// The base with components/podmonitor is checked too (the PodMonitor
// against the Prometheus Operator's schema).  Then the doc's steps are run
// in order (operator-steps.mjs): the namespace before the Secrets, no
// apply overwriting a Secret the operator created, the pods and the
// ingress controller finding the Secrets they need, the controller's
// holding the CA only.  Then it proves each check can fail: a misspelt
// field, a wrong type, a privileged container, a Secret in the base, a
// readiness probe on another port... each put into a copy, must be refused.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseAllDocuments } from 'yaml';
import ts from 'typescript';
import { docPath, docSteps, runSteps, createdSecrets } from './operator-steps.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(new URL(import.meta.url).pathname);
const top = path.resolve(here, '../kubernetes');

let n = 0, failed = 0;
const ok = (cond, name, detail) => {
    n++;
    if (!cond) failed++;
    console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
    if (!cond && detail) console.log(String(detail).replace(/^/gm, '# '));
    return cond;
};

function render(dir) {
    const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    return parseAllDocuments(out).map((d) => {
        if (d.errors.length) throw new Error(d.errors.join('; '));
        return d.toJS();
    });
}

// 1. The schema (kubernetes-models' validate() throws on the first error).
// The Prometheus Operator's kinds (a PodMonitor) from its own models.
const CRD_MODELS = { 'monitoring.coreos.com': '@kubernetes-models/prometheus-operator' };
function modelFor(obj) {
    const [group, version] = obj.apiVersion.includes('/')
        ? obj.apiVersion.split('/') : [null, obj.apiVersion];
    const mod = CRD_MODELS[group] ? `${CRD_MODELS[group]}/${group}/${version}/${obj.kind}`
              : group ? `kubernetes-models/${group}/${version}/${obj.kind}`
                      : `kubernetes-models/${version}/${obj.kind}`;
    return require(mod)[obj.kind];
}
function schemaErrors(objs) {
    const errors = [];
    for (const obj of objs) {
        try {
            const Model = modelFor(obj);
            new Model(obj).validate();
        } catch (e) {
            errors.push(`${obj.kind}/${obj.metadata?.name}: ${e.message}`);
        }
    }
    return errors;
}

// 2. The types: kubernetes-types/<group>/<version> exports one interface per
// kind; core is kubernetes-types/core/v1.  Each program reuses the last one's
// parsed declarations.
let lastProgram;
function typeErrors(objs) {
    const imports = new Map();
    const decls = objs.map((obj, i) => {
        const [group, version] = obj.apiVersion.includes('/')
            ? obj.apiVersion.split('/') : ['core', obj.apiVersion];
        const alias = `${obj.kind}_${group.replace(/\W/g, '_')}_${version}`;
        if (CRD_MODELS[group]) {
            imports.set(alias, `import type { I${obj.kind} as ${alias} } from '${CRD_MODELS[group]}/${group}/${version}/${obj.kind}';`);
        } else {
            // networking.k8s.io/v1 is kubernetes-types/networking/v1.
            const mod = `kubernetes-types/${group.replace(/\.k8s\.io$/, '')}/${version}`;
            imports.set(alias, `import type { ${obj.kind} as ${alias} } from '${mod}';`);
        }
        return `// ${obj.kind}/${obj.metadata?.name}\nexport const o${i}: ${alias} = ${JSON.stringify(obj, null, 2)};`;
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phs-k8s-types-'));
    const file = path.join(dir, 'manifests.ts');
    fs.writeFileSync(file, [...imports.values(), ...decls].join('\n') + '\n');
    const program = ts.createProgram([file], {
        strict: true, noEmit: true, skipLibCheck: false,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020,
        typeRoots: [], types: [], baseUrl: here,
        paths: { 'kubernetes-types/*': [path.join(here, 'node_modules/kubernetes-types/*')],
                 '@kubernetes-models/*': [path.join(here, 'node_modules/@kubernetes-models/*')] },
    }, undefined, lastProgram);
    lastProgram = program;
    const diags = ts.getPreEmitDiagnostics(program).map((d) => {
        const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
        if (!d.file) return msg;
        const { line } = d.file.getLineAndCharacterOfPosition(d.start);
        const src = d.file.text.split('\n');
        let owner = line;
        while (owner > 0 && !src[owner].startsWith('// ')) owner--;
        return `${src[owner].slice(3)} (line ${line + 1}): ${msg}`;
    });
    fs.rmSync(dir, { recursive: true, force: true });
    return diags;
}

// 3. The deployment's own rules.
const HEALTH = new Set(['/_health', '/_readyz', '/_livez']);
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir',
    'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const TRUE = /^(y|yes|t|true|on|1)$/i;
const matches = (selector, labels) =>
    Object.entries(selector || {}).every(([k, v]) => labels?.[k] === v);

// A port by name or number, as a container's port number.
function containerPort(container, port) {
    if (typeof port === 'number') return port;
    if (/^\d+$/.test(String(port))) return Number(port);
    return (container.ports || []).find((p) => p.name === port)?.containerPort;
}

// The container ports traffic enters the pods by: Ingress backends (through
// their Service) and LoadBalancer Services, each with what names it.
function entryPorts(objs, d) {
    const container = d.spec.template.spec.containers[0];
    const podLabels = d.spec.template.metadata.labels;
    const services = objs.filter((o) => o.kind === 'Service' && o.metadata.namespace === d.metadata.namespace
        && matches(o.spec.selector, podLabels) && Object.keys(o.spec.selector || {}).length);
    const entries = [];
    const viaService = (svc, port, what) => {
        const sp = (svc.spec.ports || []).find((p) => (port.name !== undefined ? p.name === port.name : p.port === port.number));
        if (!sp) return entries.push({ what: `${what}: Service ${svc.metadata.name} has no port ${port.name ?? port.number}` });
        const target = sp.targetPort ?? sp.port;
        entries.push({ what, port: containerPort(container, target),
            name: (container.ports || []).find((p) => p.containerPort === containerPort(container, target))?.name });
    };
    for (const ing of objs.filter((o) => o.kind === 'Ingress' && o.metadata.namespace === d.metadata.namespace)) {
        const backends = [ing.spec.defaultBackend, ...(ing.spec.rules || []).flatMap((r) => (r.http?.paths || []).map((p) => p.backend))]
            .filter((b) => b?.service);
        for (const b of backends) {
            const svc = services.find((s) => s.metadata.name === b.service.name);
            if (svc) viaService(svc, b.service.port, `Ingress ${ing.metadata.name}`);
        }
    }
    for (const svc of services.filter((s) => s.spec.type === 'LoadBalancer'))
        for (const p of svc.spec.ports || [])
            viaService(svc, { name: p.name, number: p.port }, `Service ${svc.metadata.name} (LoadBalancer)`);
    return entries;
}

function ruleErrors(objs) {
    const errors = [];
    const err = (o, msg) => errors.push(`${o.kind}/${o.metadata?.name}: ${msg}`);
    const kinds = (k) => objs.filter((o) => o.kind === k);
    for (const d of kinds('Deployment')) {
        const spec = d.spec, pod = spec.template.spec, psc = pod.securityContext || {};
        const hpa = kinds('HorizontalPodAutoscaler').find((h) => h.metadata.namespace === d.metadata.namespace
            && h.spec.scaleTargetRef?.kind === 'Deployment' && h.spec.scaleTargetRef?.name === d.metadata.name);
        if (hpa && 'replicas' in spec)
            err(d, `replicas is set under HorizontalPodAutoscaler ${hpa.metadata.name}: each apply resets the scale`);
        if (!hpa && !(spec.replicas >= 2)) err(d, 'fewer than 2 replicas and no HorizontalPodAutoscaler');
        if (!(pod.topologySpreadConstraints || []).some((t) => t.topologyKey === 'kubernetes.io/hostname'))
            err(d, 'no topology spread over nodes');
        if (pod.automountServiceAccountToken !== false) err(d, 'automountServiceAccountToken is not false');
        if (psc.runAsNonRoot !== true) err(d, 'pod runAsNonRoot is not true');
        if (psc.runAsUser === 0) err(d, 'pod runAsUser 0');
        if (!['RuntimeDefault', 'Localhost'].includes(psc.seccompProfile?.type))
            err(d, 'pod seccompProfile is not RuntimeDefault');
        for (const f of ['hostNetwork', 'hostPID', 'hostIPC'])
            if (pod[f]) err(d, `${f} is set`);
        for (const v of pod.volumes || [])
            if (!RESTRICTED_VOLUMES.some((t) => t in v)) err(d, `volume ${v.name}: not a restricted type`);
        const secretVolumes = new Set((pod.volumes || []).filter((v) => v.secret).map((v) => v.name));
        const entries = entryPorts(objs, d);
        for (const c of [...(pod.initContainers || []), ...pod.containers]) {
            const sc = c.securityContext || {};
            const where = `container ${c.name}`;
            if (sc.readOnlyRootFilesystem !== true) err(d, `${where}: readOnlyRootFilesystem is not true`);
            if (sc.allowPrivilegeEscalation !== false) err(d, `${where}: allowPrivilegeEscalation is not false`);
            if (sc.privileged) err(d, `${where}: privileged`);
            if (!(sc.capabilities?.drop || []).includes('ALL')) err(d, `${where}: capabilities do not drop ALL`);
            if ((sc.capabilities?.add || []).some((a) => a !== 'NET_BIND_SERVICE'))
                err(d, `${where}: adds capabilities`);
            if (sc.runAsNonRoot === false || sc.runAsUser === 0) err(d, `${where}: may run as root`);
            if (sc.seccompProfile && !['RuntimeDefault', 'Localhost'].includes(sc.seccompProfile.type))
                err(d, `${where}: seccompProfile`);
            if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory)
                err(d, `${where}: no resource requests and memory limit`);
            if ((c.ports || []).some((p) => p.hostPort)) err(d, `${where}: hostPort`);
            const env = Object.fromEntries((c.env || []).map((e) => [e.name, e.value]));
            const proxyProtocol = TRUE.test(env.HTTPD_PROXY_PROTOCOL || '');
            const live = c.livenessProbe?.httpGet?.path;
            if (!HEALTH.has(live)) err(d, `${where}: livenessProbe is not on an exempt health path (${live})`);
            // Ready means able to serve where the traffic comes in: the
            // probe's port is every entry's port; an HTTPS port is probed
            // with HTTPS; a bare TCP connection only where the port wants
            // the PROXY protocol first, which kubelet cannot send.
            const ready = c.readinessProbe || {};
            const probe = ready.httpGet || ready.tcpSocket;
            const readyPort = probe && containerPort(c, probe.port);
            if (ready.httpGet && !HEALTH.has(ready.httpGet.path))
                err(d, `${where}: readinessProbe is not on an exempt health path (${ready.httpGet.path})`);
            if (!probe) err(d, `${where}: no httpGet or tcpSocket readinessProbe`);
            if (ready.tcpSocket && !proxyProtocol)
                err(d, `${where}: readinessProbe is a bare TCP connection on a port kubelet can speak to`);
            for (const e of entries) {
                if (e.port === undefined) { err(d, `${where}: ${e.what}: no container port it reaches`); continue; }
                if (readyPort !== e.port)
                    err(d, `${where}: readinessProbe on ${readyPort}, but ${e.what} sends traffic to ${e.port}`);
                else if (ready.httpGet && e.name === 'https' && ready.httpGet.scheme !== 'HTTPS')
                    err(d, `${where}: readinessProbe speaks HTTP to ${e.port}, which serves HTTPS`);
            }
            for (const e of c.env || []) {
                if (e.name === 'SECRET_KEY') err(d, `${where}: SECRET_KEY in the environment (mount it as a file)`);
                if (e.name === 'TRUST_ALL_PROXIES' && e.value && e.value !== 'false')
                    err(d, `${where}: TRUST_ALL_PROXIES (trust by hops instead)`);
            }
            const mounts = c.volumeMounts || [];
            if (!mounts.some((m) => secretVolumes.has(m.name) && m.mountPath === '/etc/posthog-httpd/secret'))
                err(d, `${where}: the secret key is not mounted as a file`);
            for (const m of mounts) {
                const v = (pod.volumes || []).find((x) => x.name === m.name);
                if (v?.secret?.optional && ['/etc/posthog-httpd/secret', '/etc/posthog-httpd/tls'].includes(m.mountPath))
                    err(d, `${where}: Secret ${v.secret.secretName} at ${m.mountPath} is optional: the pod would start without it`);
            }
            // The metrics port: annotated for scraping, reachable through a
            // NetworkPolicy.
            const metrics = (c.ports || []).find((p) => p.name === 'metrics');
            const ann = spec.template.metadata.annotations || {};
            if (!metrics) err(d, `${where}: no container port named metrics`);
            else {
                if (ann['prometheus.io/scrape'] !== 'true' || ann['prometheus.io/port'] !== String(metrics.containerPort)
                    || ann['prometheus.io/path'] !== '/metrics')
                    err(d, `prometheus.io/scrape, port and path do not name the metrics port ${metrics.containerPort} and /metrics`);
                const open = kinds('NetworkPolicy').some((p) => p.metadata.namespace === d.metadata.namespace
                    && matches(p.spec.podSelector?.matchLabels, spec.template.metadata.labels)
                    && (p.spec.ingress || []).some((r) => (r.ports || []).some((pp) =>
                        containerPort(c, pp.port) === metrics.containerPort)));
                if (!open) err(d, `no NetworkPolicy lets a scraper reach the metrics port ${metrics.containerPort}`);
            }
            for (const pm of kinds('PodMonitor')) {
                if (!matches(pm.spec.selector?.matchLabels, spec.template.metadata.labels))
                    err(pm, `selector does not match Deployment ${d.metadata.name}'s pods`);
                for (const ep of pm.spec.podMetricsEndpoints || [])
                    if (ep.port !== metrics?.name || ep.path !== '/metrics')
                        err(pm, `endpoint ${ep.port} ${ep.path} is not the metrics port and /metrics`);
            }
        }
    }
    const need = (kind, test, msg) => { if (!kinds(kind).some(test)) errors.push(msg); };
    need('Deployment', () => true, 'no Deployment');
    need('Service', () => true, 'no Service');
    need('PodDisruptionBudget', () => true, 'no PodDisruptionBudget');
    need('HorizontalPodAutoscaler', (h) => h.spec.minReplicas >= 2, 'no HorizontalPodAutoscaler keeping 2 replicas');
    need('ConfigMap', (c) => 'allowed-ip-blocks.txt' in (c.data || {}), 'no allow-list ConfigMap');
    need('NetworkPolicy', (p) => Object.keys(p.spec.podSelector).length === 0
        && ['Ingress', 'Egress'].every((t) => p.spec.policyTypes.includes(t))
        && !p.spec.ingress && !p.spec.egress, 'no default-deny NetworkPolicy');
    need('Namespace', (ns) => ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted',
        'no namespace enforcing Pod Security "restricted"');
    for (const s of kinds('Service'))
        if (s.spec.type === 'NodePort') err(s, 'NodePort exposes every node');
    return errors;
}

function check(label, objs) {
    const schema = schemaErrors(objs), types = typeErrors(objs), rules = ruleErrors(objs);
    ok(schema.length === 0, `${label}: ${objs.length} objects match the Kubernetes API schema (kubernetes-models)`, schema.join('\n'));
    ok(types.length === 0, `${label}: no unknown field, every type right (kubernetes-types, TypeScript ${ts.version})`, types.join('\n'));
    ok(rules.length === 0, `${label}: Pod Security "restricted" and the deployment's rules`, rules.join('\n'));
}

const dirs = process.argv.slice(2).length ? process.argv.slice(2)
    : ['base', ...fs.readdirSync(path.join(top, 'overlays')).sort().map((o) => `overlays/${o}`)]
        .map((d) => path.join(top, d));
// The base with the PodMonitor component, as an overlay that adds it
// renders (kustomize takes no absolute path: relative from a temporary
// directory).
const withPodMonitor = fs.mkdtempSync(path.join(os.tmpdir(), 'phs-podmonitor-'));
fs.writeFileSync(path.join(withPodMonitor, 'kustomization.yaml'), [
    'apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization',
    `resources: ["${path.relative(withPodMonitor, path.join(top, 'base'))}"]`,
    `components: ["${path.relative(withPodMonitor, path.join(top, 'components/podmonitor'))}"]`, ''].join('\n'));
const rendered = {};
for (const dir of [...dirs, withPodMonitor]) {
    const label = dir === withPodMonitor ? 'base with components/podmonitor' : path.relative(top, dir) || dir;
    let objs;
    try {
        objs = render(dir);
    } catch (e) {
        ok(false, `${label}: kubectl kustomize renders it`, e.stderr || e.message);
        continue;
    }
    ok(objs.length > 0, `${label}: kubectl kustomize renders ${objs.length} objects`);
    rendered[label] = objs;
    check(label, objs);
}
fs.rmSync(withPodMonitor, { recursive: true, force: true });
const podMonitor = rendered['base with components/podmonitor'];
ok(podMonitor?.some((o) => o.kind === 'PodMonitor'), 'components/podmonitor adds a PodMonitor');

// docs/DEPLOYMENT.md's steps, in its order, with the files an operator has.
const inputs = fs.mkdtempSync(path.join(os.tmpdir(), 'phs-operator-'));
fs.writeFileSync(path.join(inputs, 'secret-key'), 'deploy-test-key-' + 'x'.repeat(40) + '\n');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', path.join(inputs, 'tls.key'), '-out', path.join(inputs, 'tls.crt'), '-days', '1',
    '-subj', '/CN=posthog-httpd.posthog-httpd.svc'], { stdio: 'ignore' });
fs.copyFileSync(path.join(inputs, 'tls.crt'), path.join(inputs, 'ca.crt'));
const steps = docSteps(fs.readFileSync(docPath, 'utf8'));
const createStep = (s) => s.words.includes('create') && s.words.includes('secret');

// What the pods and the ingress controller find once the steps ran.
function afterSteps(state, objs) {
    const errors = [];
    const secrets = new Map([...state.values()].filter((e) => e.obj.kind === 'Secret')
        .map((e) => [`${e.obj.metadata.namespace}/${e.obj.metadata.name}`, e.obj]));
    for (const d of objs.filter((o) => o.kind === 'Deployment')) {
        const pod = d.spec.template.spec;
        for (const c of pod.containers) for (const m of c.volumeMounts || []) {
            const v = pod.volumes.find((x) => x.name === m.name);
            if (!v?.secret) continue;
            const s = secrets.get(`${d.metadata.namespace}/${v.secret.secretName}`);
            const want = { '/etc/posthog-httpd/secret': ['Opaque', ['secret-key']],
                           '/etc/posthog-httpd/tls': ['kubernetes.io/tls', ['tls.crt', 'tls.key']] }[m.mountPath];
            if (!s) errors.push(`${m.mountPath}: Secret ${v.secret.secretName} does not exist after the doc's steps`);
            // The API server makes a Secret without a type Opaque.
            else if (want && ((s.type ?? 'Opaque') !== want[0] || !want[1].every((k) => k in (s.data || {}))))
                errors.push(`${m.mountPath}: Secret ${v.secret.secretName} is ${s.type ?? 'Opaque'} with ${Object.keys(s.data || {})}, not ${want[0]} with ${want[1]}`);
        }
    }
    const mounted = new Set(objs.filter((o) => o.kind === 'Deployment').flatMap((d) =>
        d.spec.template.spec.volumes.filter((v) => v.secret).map((v) => `${d.metadata.namespace}/${v.secret.secretName}`)));
    for (const ing of objs.filter((o) => o.kind === 'Ingress')) {
        const name = ing.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-ssl-secret'];
        if (!name) continue;
        const s = secrets.get(name);
        if (!s) errors.push(`proxy-ssl-secret ${name} does not exist after the doc's steps`);
        else if (!('ca.crt' in (s.data || {})) || Object.keys(s.data).some((k) => k !== 'ca.crt') || mounted.has(name))
            errors.push(`proxy-ssl-secret ${name} holds ${Object.keys(s.data || {})}${mounted.has(name) ? ', and httpd mounts it' : ''}: the controller needs ca.crt only`);
    }
    return errors;
}
// No Secret the doc has the operator create may be rendered: an apply
// would overwrite it (or, with a placeholder, undo the operator's key).
function overwrites(created, renders) {
    const names = new Set(created.map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
    return Object.entries(renders).flatMap(([label, objs]) => objs
        .filter((o) => o.kind === 'Secret' && names.has(`${o.metadata.namespace}/${o.metadata.name}`))
        .map((o) => `${label} renders Secret ${o.metadata.namespace}/${o.metadata.name}`));
}

const run = runSteps(steps, inputs);
const created = createdSecrets(run.state);
ok(steps.some(createStep) && run.errors.length === 0,
   `the doc's ${steps.length} kubectl steps run in order: the namespace exists before the Secrets go into it, no apply overwrites them`,
   [...run.errors, ...run.log].join('\n'));
const over = overwrites(created, rendered);
ok(created.length > 0 && over.length === 0,
   `no Secret the doc creates (${created.map((s) => s.metadata.name).join(', ')}) is rendered by the base or an overlay`,
   over.join('\n'));
const applied = [...run.state.values()].filter((e) => e.how === 'apply').map((e) => e.obj);
const found = Object.entries(rendered).flatMap(([label, objs]) =>
    afterSteps(run.state, objs).map((e) => `${label}: ${e}`));
ok(applied.some((o) => o.kind === 'Deployment') && found.length === 0,
   'after the doc\'s steps the pods find their Secrets (the certificate as kubernetes.io/tls) and ingress-nginx a CA-only proxy-ssl-secret',
   found.join('\n'));

// Each check must be able to fail.
const base = rendered.base;
if (base) {
    const mutate = (fn, objs0 = base) => {
        const objs = structuredClone(objs0);
        fn(objs.find((o) => o.kind === 'Deployment'), objs);
        return objs;
    };
    const typo = mutate((d) => { d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesytem = true; });
    const typeErrs = typeErrors(typo);
    ok(typeErrs.some((e) => /readOnlyRootFilesytem/.test(e)),
       'a misspelt field (readOnlyRootFilesytem) is refused', typeErrs.join('\n') || 'accepted');
    const typoSpec = mutate((d) => { d.spec.replica = 2; });
    ok(typeErrors(typoSpec).some((e) => /["']replica["']/.test(e)), 'an unknown field (spec.replica) is refused');
    const wrongType = mutate((d) => { d.spec.replicas = 'two'; });
    const schemaErrs = schemaErrors(wrongType);
    ok(schemaErrs.some((e) => /replicas/.test(e)), 'a wrong type (replicas: "two") is refused by the schema',
       schemaErrs.join('\n') || 'accepted');
    ok(typeErrors(wrongType).some((e) => /replicas|number/.test(e)), 'a wrong type (replicas: "two") is refused by the types');
    const missing = mutate((d) => { delete d.spec.selector; });
    ok(schemaErrors(missing).some((e) => /selector/.test(e)), 'a missing required field (spec.selector) is refused');
    const badEnum = mutate((d) => { d.spec.template.spec.containers[0].ports[0].protocol = 'HTTP'; });
    ok(schemaErrors(badEnum).length + typeErrors(badEnum).length > 0, 'a value out of its enum (protocol: HTTP) is refused');
    const loose = [
        ['privileged', (c) => { c.securityContext.privileged = true; }],
        ['allowPrivilegeEscalation', (c) => { c.securityContext.allowPrivilegeEscalation = true; }],
        ['readOnlyRootFilesystem', (c) => { delete c.securityContext.readOnlyRootFilesystem; }],
        ['capabilities', (c) => { c.securityContext.capabilities = { add: ['NET_ADMIN'] }; }],
        ['probe path', (c) => { c.readinessProbe.httpGet.path = '/'; }],
        ['SECRET_KEY env', (c) => { c.env.push({ name: 'SECRET_KEY', value: 'x' }); }],
        ['no metrics port', (c) => { c.ports = c.ports.filter((p) => p.name !== 'metrics'); }],
    ];
    for (const [what, fn] of loose) {
        const objs = mutate((d) => fn(d.spec.template.spec.containers[0]));
        ok(ruleErrors(objs).length > 0, `the rules refuse a container with ${what} changed`);
    }
    const hostNet = mutate((d) => { d.spec.template.spec.hostNetwork = true; });
    ok(ruleErrors(hostNet).some((e) => /hostNetwork/.test(e)), 'the rules refuse hostNetwork');
    const noDeny = structuredClone(base).filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny'));
    ok(ruleErrors(noDeny).some((e) => /default-deny/.test(e)), 'the rules refuse manifests without the default-deny NetworkPolicy');
    const replicas = mutate((d) => { d.spec.replicas = 2; });
    ok(ruleErrors(replicas).some((e) => /replicas is set under/.test(e)), 'the rules refuse replicas under the HorizontalPodAutoscaler');
    const optionalTls = mutate((d) => { d.spec.template.spec.volumes.find((v) => v.name === 'tls').secret.optional = true; });
    ok(ruleErrors(optionalTls).some((e) => /optional/.test(e)), 'the rules refuse an optional TLS Secret (a pod with no 8443 listener)');
    const noScrape = mutate((d) => { delete d.spec.template.metadata.annotations; });
    ok(ruleErrors(noScrape).some((e) => /prometheus\.io/.test(e)), 'the rules refuse pods without the scrape annotations');
    const closed = mutate((d, objs) => { objs.splice(objs.findIndex((o) => o.metadata.name === 'httpd-from-monitoring'), 1); });
    ok(ruleErrors(closed).some((e) => /reach the metrics port/.test(e)), 'the rules refuse a metrics port no NetworkPolicy opens');
    if (podMonitor) {
        const wrongPort = mutate((d, objs) => { objs.find((o) => o.kind === 'PodMonitor').spec.podMetricsEndpoints[0].port = 'https'; }, podMonitor);
        ok(ruleErrors(wrongPort).some((e) => /PodMonitor/.test(e)), 'the rules refuse a PodMonitor scraping another port');
    }
    for (const overlay of ['overlays/ingress-nginx', 'overlays/aws-nlb'].filter((o) => rendered[o])) {
        const onHttp = mutate((d) => { d.spec.template.spec.containers[0].readinessProbe = { httpGet: { path: '/_readyz', port: 'http' } }; }, rendered[overlay]);
        ok(ruleErrors(onHttp).some((e) => /readinessProbe on 8080, but .* sends traffic to 8443/.test(e)),
           `the rules refuse, in ${overlay}, readiness probed on 8080 while traffic goes to 8443`);
    }
    const placeholder = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'posthog-httpd-secret-key', namespace: 'posthog-httpd' },
        stringData: { 'secret-key': '<randomly generated secret key>' } };
    ok(overwrites(created, { base: [...base, placeholder] }).length > 0, 'a Secret of the doc\'s create step rendered by the base is refused');
    const late = [...steps.filter((s) => !/namespace/.test(s.words.join(' ')) || createStep(s)),
                  ...steps.filter((s) => /namespace\.yaml|create namespace/.test(s.words.join(' ')))];
    ok(runSteps(late, inputs).errors.some((e) => /namespace .* does not exist/.test(e)), 'the Secrets created before their namespace are refused');
    const ingressNginx = rendered['overlays/ingress-nginx'];
    if (ingressNginx) {
        const withKey = structuredClone(ingressNginx);
        withKey.find((o) => o.kind === 'Ingress').metadata.annotations['nginx.ingress.kubernetes.io/proxy-ssl-secret'] = 'posthog-httpd/posthog-httpd-tls';
        ok(afterSteps(run.state, withKey).some((e) => /ca\.crt only/.test(e)), 'a proxy-ssl-secret holding httpd\'s key is refused');
    }
}
fs.rmSync(inputs, { recursive: true, force: true });

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
