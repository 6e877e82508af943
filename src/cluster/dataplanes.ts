// Gateway API data planes: one proxy Deployment per Gateway in the Gateway's namespace (owned by the ingress component).
import type { ClusterStore } from './store.js';

export function addGatewayDataPlanes(_store: ClusterStore): void {}
