#!/bin/sh
# The Kubernetes manifests, validated offline (validate.mjs).
cd "$(dirname "$0")" || exit 1
command -v kubectl >/dev/null || { echo "Bail out! kubectl (kubectl kustomize) is missing"; exit 1; }
[ -d node_modules/kubernetes-models ] || { echo "Bail out! npm ci in deploy/test first (make deploy-test does)"; exit 1; }
exec node validate.mjs
