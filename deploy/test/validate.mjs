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
//      docs/DEPLOYMENT.md (replicas, spread, probes on the exempt health
//      paths, default-deny NetworkPolicies, the key as a file...).
// Then it proves each check can fail: a misspelt field, a wrong type and a
// privileged container, each put into a copy of the base, must be refused.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseAllDocuments } from 'yaml';
import ts from 'typescript';

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
function modelFor(obj) {
    const [group, version] = obj.apiVersion.includes('/')
        ? obj.apiVersion.split('/') : [null, obj.apiVersion];
    const mod = group ? `kubernetes-models/${group}/${version}/${obj.kind}`
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
        // networking.k8s.io/v1 is kubernetes-types/networking/v1.
        const mod = `kubernetes-types/${group.replace(/\.k8s\.io$/, '')}/${version}`;
        const alias = `${obj.kind}_${group.replace(/\W/g, '_')}_${version}`;
        imports.set(alias, `import type { ${obj.kind} as ${alias} } from '${mod}';`);
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
        paths: { 'kubernetes-types/*': [path.join(here, 'node_modules/kubernetes-types/*')] },
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
function ruleErrors(objs) {
    const errors = [];
    const err = (o, msg) => errors.push(`${o.kind}/${o.metadata?.name}: ${msg}`);
    const kinds = (k) => objs.filter((o) => o.kind === k);
    for (const d of kinds('Deployment')) {
        const spec = d.spec, pod = spec.template.spec, psc = pod.securityContext || {};
        if (!(spec.replicas >= 2)) err(d, 'fewer than 2 replicas');
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
            for (const probe of ['livenessProbe', 'readinessProbe']) {
                const p = c[probe]?.httpGet?.path;
                if (!HEALTH.has(p)) err(d, `${where}: ${probe} is not on an exempt health path (${p})`);
            }
            for (const e of c.env || []) {
                if (e.name === 'SECRET_KEY') err(d, `${where}: SECRET_KEY in the environment (mount it as a file)`);
                if (e.name === 'TRUST_ALL_PROXIES' && e.value && e.value !== 'false')
                    err(d, `${where}: TRUST_ALL_PROXIES (trust by hops instead)`);
            }
            if (!(c.volumeMounts || []).some((m) => secretVolumes.has(m.name) && m.mountPath === '/etc/posthog-httpd/secret'))
                err(d, `${where}: the secret key is not mounted as a file`);
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
const rendered = {};
for (const dir of dirs) {
    const label = path.relative(top, dir) || dir;
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

// Each check must be able to fail.
const base = rendered.base;
if (base) {
    const mutate = (fn) => {
        const objs = structuredClone(base);
        fn(objs.find((o) => o.kind === 'Deployment'));
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
    ];
    for (const [what, fn] of loose) {
        const objs = mutate((d) => fn(d.spec.template.spec.containers[0]));
        ok(ruleErrors(objs).length > 0, `the rules refuse a container with ${what} changed`);
    }
    const hostNet = mutate((d) => { d.spec.template.spec.hostNetwork = true; });
    ok(ruleErrors(hostNet).some((e) => /hostNetwork/.test(e)), 'the rules refuse hostNetwork');
    const noDeny = structuredClone(base).filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny'));
    ok(ruleErrors(noDeny).some((e) => /default-deny/.test(e)), 'the rules refuse manifests without the default-deny NetworkPolicy');
}

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
