// The base manifests made playable by podman kube play 4.3 (kube-play.t):
//   node kube-play.mjs RENDERED.yaml SECRETS.yaml PREFIX IMAGE > play.yaml
// SECRETS.yaml: the Secrets docs/DEPLOYMENT.md has the operator create
// (operator-steps.mjs --secrets), as kubectl made them.
// Only what podman cannot do is changed, each for a known gap of 4.3:
// - only Deployment, ConfigMap and Secret (it plays no Service, PDB, HPA,
//   NetworkPolicy, ServiceAccount or Namespace), names prefixed so that the
//   volumes podman makes of them never collide;
// - replicas: the HorizontalPodAutoscaler's minReplicas, the scale it
//   keeps (the Deployment leaves replicas to it);
// - Secret: data is mounted as written (not base64-decoded), so it goes in
//   decoded; a PEM certificate is not base64 text, so the TLS Secret
//   becomes a ConfigMap;
// - ports: refused without a bridge network (the pod gets --network none
//   here), so they go, and the probes name their port by number;
// - the image: the one under test.
// Everything else, the securityContext, resources, env, mounts and probes
// included, is played as written.
import fs from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';

const [rendered, secretsFile, prefix, image] = process.argv.slice(2);
const load = (file) => parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).filter(Boolean);
const all = load(rendered);
const secrets = load(secretsFile);
const hpa = all.find((o) => o.kind === 'HorizontalPodAutoscaler');
const objs = all.filter((o) => ['Deployment', 'ConfigMap'].includes(o.kind));
const made = [];
const rename = (name) => `${prefix}-${name}`;
const decoded = (data) => Object.fromEntries(Object.entries(data || {})
    .map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
for (const o of objs) {
    delete o.metadata.namespace;
    o.metadata.name = rename(o.metadata.name);
    if (o.kind !== 'Deployment') continue;
    if (hpa?.spec.scaleTargetRef.name === o.metadata.name.slice(prefix.length + 1))
        o.spec.replicas = hpa.spec.minReplicas;
    const pod = o.spec.template.spec;
    for (const c of pod.containers) {
        c.image = image;
        const ports = Object.fromEntries((c.ports || []).map((p) => [p.name, p.containerPort]));
        delete c.ports;
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
            const at = c[probe]?.httpGet || c[probe]?.tcpSocket;
            if (at && typeof at.port === 'string') at.port = ports[at.port];
        }
    }
    for (const v of pod.volumes) {
        if (v.configMap) v.configMap.name = rename(v.configMap.name);
        if (!v.secret) continue;
        const secret = secrets.find((s) => s.metadata.name === v.secret.secretName);
        if (!secret) throw new Error(`the doc creates no Secret ${v.secret.secretName}`);
        v.secret.secretName = rename(v.secret.secretName);
        if (secret.type === 'kubernetes.io/tls') {
            v.configMap = { name: v.secret.secretName };
            delete v.secret;
            made.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: v.configMap.name }, data: decoded(secret.data) });
        } else {
            made.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: v.secret.secretName }, data: decoded(secret.data) });
        }
    }
}
process.stdout.write([...objs, ...made].map((o) => stringify(o)).join('---\n'));
