// Status conditions in the metav1.Condition shape Gateway API controllers write.
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

/** A fixed timestamp: computed status is a pure function of the manifests, so it must not change between runs. */
export const STATUS_TIME = '1970-01-01T00:00:00Z';

export function cond(type: string, ok: boolean | 'Unknown', reason: string, message: string, generation = 1): Condition {
  return { type, status: ok === 'Unknown' ? 'Unknown' : ok ? 'True' : 'False', reason, message, observedGeneration: generation, lastTransitionTime: STATUS_TIME };
}
