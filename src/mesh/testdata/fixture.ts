// A small meshed cluster shared by the mesh tests: Istio sidecar namespace `shop`, plain namespace `legacy`, ambient
// namespace `amb`, revision-labelled `rev`, Linkerd namespace `ld`.
export const BASE = `
apiVersion: v1
kind: Namespace
metadata: {name: istio-system}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: legacy}
---
apiVersion: v1
kind: Namespace
metadata: {name: amb, labels: {istio.io/dataplane-mode: ambient}}
---
apiVersion: v1
kind: Namespace
metadata: {name: rev, labels: {istio.io/rev: canary}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ld, annotations: {linkerd.io/inject: enabled}}
---
apiVersion: v1
kind: Pod
metadata: {name: frontend, namespace: shop, labels: {app: frontend}}
spec: {serviceAccountName: frontend, containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: backend-v1, namespace: shop, labels: {app: backend, version: v1}}
spec: {serviceAccountName: backend, containers: [{name: c, image: app, ports: [{containerPort: 8080, name: http}, {containerPort: 9090, name: admin}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: backend-v2, namespace: shop, labels: {app: backend, version: v2}}
spec: {serviceAccountName: backend, containers: [{name: c, image: app, ports: [{containerPort: 8080, name: http}, {containerPort: 9090, name: admin}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: backend, namespace: shop}
spec: {selector: {app: backend}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: frontend, namespace: shop}
spec: {selector: {app: frontend}, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: no-sidecar, namespace: shop, labels: {app: tool, sidecar.istio.io/inject: "false"}}
spec: {containers: [{name: c, image: curl}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: legacy, labels: {app: client}}
spec: {containers: [{name: c, image: curl}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: legacy, labels: {app: web}}
spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: legacy}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: amb-client, namespace: amb, labels: {app: amb-client}}
spec: {serviceAccountName: amb, containers: [{name: c, image: curl}]}
---
apiVersion: v1
kind: Pod
metadata: {name: rev-pod, namespace: rev, labels: {app: r}}
spec: {containers: [{name: c, image: curl}]}
---
apiVersion: v1
kind: Pod
metadata: {name: ld-server, namespace: ld, labels: {app: ld-server}}
spec: {serviceAccountName: server, containers: [{name: c, image: app, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: ld-client, namespace: ld, labels: {app: ld-client}}
spec: {serviceAccountName: client, containers: [{name: c, image: curl}]}
`;

export function withObjects(...docs: string[]): string {
  return [BASE, ...docs].join('\n---\n');
}
