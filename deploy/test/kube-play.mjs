// The base manifests made playable by podman kube play 4.3 (kube-play.t):
//   node kube-play.mjs RENDERED.yaml PREFIX IMAGE SECRET_KEY TLS_DIR > play.yaml
// Only what podman cannot do is changed, each for a known gap of 4.3:
// - only Deployment, ConfigMap and Secret (it plays no Service, PDB, HPA,
//   NetworkPolicy, ServiceAccount or Namespace), names prefixed so that the
//   volumes podman makes of them never collide;
// - Secret: stringData is ignored and data is mounted as written (not
//   base64-decoded), so the key goes into data as its plain text; a PEM
//   certificate is not base64 text, so the TLS Secret becomes a ConfigMap;
// - ports: refused without a bridge network (the pod gets --network none
//   here), so they go, and the probes name their port by number;
// - the image: the one under test.
// Everything else, the securityContext, resources, env, mounts and probes
// included, is played as written.
import fs from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';

const [rendered, prefix, image, key, tlsDir] = process.argv.slice(2);
const objs = parseAllDocuments(fs.readFileSync(rendered, 'utf8')).map((d) => d.toJS())
    .filter((o) => ['Deployment', 'ConfigMap', 'Secret'].includes(o.kind));
const rename = (name) => `${prefix}-${name}`;
for (const o of objs) {
    delete o.metadata.namespace;
    o.metadata.name = rename(o.metadata.name);
    if (o.kind === 'Secret') {
        o.data = { 'secret-key': key };
        delete o.stringData;
    }
    if (o.kind !== 'Deployment') continue;
    const pod = o.spec.template.spec;
    for (const c of pod.containers) {
        c.image = image;
        const ports = Object.fromEntries((c.ports || []).map((p) => [p.name, p.containerPort]));
        delete c.ports;
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
            const get = c[probe]?.httpGet;
            if (get && typeof get.port === 'string') get.port = ports[get.port];
        }
    }
    for (const v of pod.volumes) {
        if (v.configMap) v.configMap.name = rename(v.configMap.name);
        if (v.secret) v.secret.secretName = rename(v.secret.secretName);
        if (v.name === 'tls') {
            v.configMap = { name: v.secret.secretName };
            delete v.secret;
        }
    }
}
objs.push({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: rename('posthog-httpd-tls') },
    data: { 'tls.crt': fs.readFileSync(`${tlsDir}/tls.crt`, 'utf8'),
            'tls.key': fs.readFileSync(`${tlsDir}/tls.key`, 'utf8') },
});
process.stdout.write(objs.map((o) => stringify(o)).join('---\n'));
