// docs/DEPLOYMENT.md's Kubernetes steps, run in the doc's order against a
// cluster kept in memory (there is none here): every kubectl line of the
// shell blocks of its section "The manifests", as written.
//   - `kubectl create namespace`, `kubectl apply -f FILE` and
//     `kubectl apply -k DIR` add what they name or render (`kubectl
//     kustomize`, offline);
//   - `kubectl create secret ...` is run by kubectl itself with
//     --dry-run=client (offline), in a directory holding the operator's
//     files (secret-key, tls.crt, tls.key, ca.crt);
//   - as the API server would, a namespaced object needs its namespace
//     first, a create refuses a name that exists, and an apply that renders
//     an object the operator created is reported: it would overwrite it.
// Used by validate.mjs (the order, and what the pods and the Ingress find
// after it) and by kube-play.t, which plays the Secrets the doc creates:
//   node operator-steps.mjs --secrets INPUT_DIR   (prints them as YAML)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

const here = path.dirname(new URL(import.meta.url).pathname);
export const top = path.resolve(here, '../..');
export const docPath = path.join(top, 'docs/DEPLOYMENT.md');

// Namespaces a cluster has before the doc's steps: its own, and PostHog's
// (its chart is installed first; the NetworkPolicy posthog-from-httpd goes
// there).
const PRESENT = ['default', 'kube-system', 'posthog'];
// kubectl verbs that change nothing.
const READ_ONLY = new Set(['kustomize', 'get', 'describe', 'diff', 'version']);

// The section "The manifests" up to the next "## " heading.
export function docSection(text) {
    const lines = text.split('\n');
    const start = lines.findIndex((l) => /^## The manifests/.test(l));
    if (start < 0) throw new Error('docs/DEPLOYMENT.md has no "## The manifests" section');
    const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
    return lines.slice(start, end < 0 ? undefined : end);
}

// Shell words of one command line: quotes and backslashes, # comments.
export function shellWords(line) {
    const words = [];
    let word = null, i = 0;
    const push = () => { if (word !== null) words.push(word); word = null; };
    while (i < line.length) {
        const c = line[i];
        if (c === "'") {
            const j = line.indexOf("'", i + 1);
            if (j < 0) throw new Error(`unclosed ' in: ${line}`);
            word = (word ?? '') + line.slice(i + 1, j);
            i = j + 1;
        } else if (c === '"') {
            let j = i + 1, s = '';
            while (j < line.length && line[j] !== '"') {
                if (line[j] === '\\' && j + 1 < line.length) j++;
                if (line[j] === '$' || line[j] === '`') throw new Error(`expansion in: ${line}`);
                s += line[j++];
            }
            if (j >= line.length) throw new Error(`unclosed " in: ${line}`);
            word = (word ?? '') + s;
            i = j + 1;
        } else if (c === '\\' && i + 1 < line.length) {
            word = (word ?? '') + line[i + 1];
            i += 2;
        } else if (/\s/.test(c)) {
            push();
            i++;
        } else if (c === '#' && word === null) {
            break;
        } else if ('$`|;&<>()'.includes(c)) {
            throw new Error(`'${c}' is more than this runner reads, in: ${line}`);
        } else {
            word = (word ?? '') + c;
            i++;
        }
    }
    push();
    return words;
}

// The commands of the section's ```sh blocks, in order, each with its line.
export function docSteps(text) {
    const lines = docSection(text);
    const offset = text.split('\n').indexOf(lines[0]);
    const steps = [];
    let inBlock = false, pending = '', pendingLine = 0;
    lines.forEach((l, i) => {
        if (/^```/.test(l)) {
            inBlock = !inBlock && /^```(sh|shell|bash)\s*$/.test(l);
            return;
        }
        if (!inBlock) return;
        if (!pending) pendingLine = offset + i + 1;
        if (/\\$/.test(l)) {
            pending += l.slice(0, -1) + ' ';
            return;
        }
        const words = shellWords(pending + l);
        pending = '';
        if (words.length) steps.push({ line: pendingLine, words });
    });
    return steps;
}

const key = (o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const NAMESPACED_NOT = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding',
    'CustomResourceDefinition', 'IngressClass', 'PriorityClass', 'StorageClass']);

export function render(dir) {
    const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    return parseAllDocuments(out).map((d) => d.toJS());
}

// Runs the steps; returns { state, log, errors }.  state: Map of key ->
// { obj, how: 'create' | 'apply', line }.
export function runSteps(steps, inputDir) {
    const state = new Map();
    const errors = [], log = [];
    for (const ns of PRESENT)
        state.set(`Namespace//${ns}`, { obj: { kind: 'Namespace', metadata: { name: ns } }, how: 'present' });
    const hasNamespace = (ns, batch = []) => state.has(`Namespace//${ns}`)
        || batch.some((o) => o.kind === 'Namespace' && o.metadata.name === ns);
    const apply = (objs, what, line) => {
        for (const o of objs) {
            if (!NAMESPACED_NOT.has(o.kind) && !hasNamespace(o.metadata.namespace ?? 'default', objs))
                errors.push(`line ${line}: ${what}: namespace ${o.metadata.namespace} does not exist for ${key(o)}`);
            const had = state.get(key(o));
            if (had && had.how === 'create')
                errors.push(`line ${line}: ${what} overwrites ${o.kind} ${o.metadata.namespace}/${o.metadata.name}, `
                    + `which the operator created at line ${had.line}`);
            state.set(key(o), { obj: o, how: 'apply', line });
        }
    };
    for (const { line, words } of steps) {
        const text = words.join(' ');
        if (words[0] !== 'kubectl') {
            errors.push(`line ${line}: not a kubectl step: ${text}`);
            continue;
        }
        // -n/--namespace may stand anywhere; the rest is the verb and its
        // arguments.
        let ns = 'default';
        const args = [];
        for (let i = 1; i < words.length; i++) {
            const w = words[i];
            if (w === '-n' || w === '--namespace') ns = words[++i];
            else if (w.startsWith('--namespace=')) ns = w.slice(12);
            else args.push(w);
        }
        const [verb, ...rest] = args;
        log.push(`line ${line}: ${text}`);
        try {
            if (READ_ONLY.has(verb)) continue;
            if (verb === 'create' && rest[0] === 'namespace') {
                if (hasNamespace(rest[1])) errors.push(`line ${line}: namespace ${rest[1]} already exists`);
                state.set(`Namespace//${rest[1]}`, { obj: { kind: 'Namespace', metadata: { name: rest[1] } }, how: 'create', line });
            } else if (verb === 'create' && rest[0] === 'secret') {
                const out = execFileSync('kubectl', ['-n', ns, ...args, '--dry-run=client', '-o', 'json'],
                    { cwd: inputDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
                const secret = JSON.parse(out);
                delete secret.metadata.creationTimestamp;
                if (!hasNamespace(ns))
                    errors.push(`line ${line}: namespace ${ns} does not exist yet: the Secret cannot be created`);
                if (state.has(key(secret)))
                    errors.push(`line ${line}: ${key(secret)} already exists`);
                state.set(key(secret), { obj: secret, how: 'create', line });
            } else if (verb === 'apply' && rest[0] === '-f') {
                const objs = parseAllDocuments(fs.readFileSync(path.resolve(top, rest[1]), 'utf8'))
                    .map((d) => d.toJS()).filter(Boolean);
                apply(objs, text, line);
            } else if (verb === 'apply' && rest[0] === '-k') {
                apply(render(path.resolve(top, rest[1])), text, line);
            } else {
                errors.push(`line ${line}: a step this runner does not know: ${text}`);
            }
        } catch (e) {
            errors.push(`line ${line}: ${text}: ${(e.stderr || e.message).toString().trim()}`);
        }
    }
    return { state, log, errors };
}

// The Secrets the operator created, by name.
export function createdSecrets(state) {
    return [...state.values()].filter((e) => e.how === 'create' && e.obj.kind === 'Secret').map((e) => e.obj);
}

if (process.argv[1] === new URL(import.meta.url).pathname && process.argv[2] === '--secrets') {
    const { state, errors } = runSteps(docSteps(fs.readFileSync(docPath, 'utf8')), process.argv[3]);
    if (errors.length) {
        console.error(errors.join('\n'));
        process.exit(1);
    }
    process.stdout.write(createdSecrets(state).map((s) => stringify(s)).join('---\n'));
}
