// The gate for tests that need the kernel: they run as root with network namespaces, else they are skipped with the
// reason. With PODNET_KERNEL_TESTS=required (set by .ci/run when it runs as root) a missing piece fails the test
// instead, so CI can never pass with the kernel tests silently skipped.
import { describe, test, type TestContext } from 'node:test';
import { hostProblems } from './host.js';
import { addNamespace, deleteNamespace, newLabPrefix, listNamespaces } from './netns.js';

async function skipReason(): Promise<string | undefined> {
  const problems = await hostProblems();
  if (problems.length) return problems.join('; ');
  try {
    const ns = `${newLabPrefix(await listNamespaces())}gate`;
    await addNamespace(ns);
    await deleteNamespace(ns);
  } catch (e) {
    return `cannot create a network namespace: ${(e as Error).message}`;
  }
  return undefined;
}

export const kernelSkip: string | undefined = await skipReason();
export const kernelRequired = process.env.PODNET_KERNEL_TESTS === 'required';

/** A test that needs root and network namespaces. */
export function kernelTest(name: string, fn: (t: TestContext) => Promise<void>, opts: { timeout?: number } = {}): void {
  if (kernelSkip && kernelRequired) {
    test(name, () => { throw new Error(`PODNET_KERNEL_TESTS=required but the kernel tests cannot run: ${kernelSkip}`); });
  } else {
    test(name, { skip: kernelSkip ? `kernel test skipped: ${kernelSkip}` : false, timeout: opts.timeout ?? 120_000 }, fn);
  }
}

/** A group of tests sharing one realisation (built in `before`, removed in `after`). */
export function kernelDescribe(name: string, fn: () => void, opts: { timeout?: number } = {}): void {
  if (kernelSkip && kernelRequired) {
    test(name, () => { throw new Error(`PODNET_KERNEL_TESTS=required but the kernel tests cannot run: ${kernelSkip}`); });
  } else {
    describe(name, { skip: kernelSkip ? `kernel test skipped: ${kernelSkip}` : false, timeout: opts.timeout ?? 180_000 }, fn);
  }
}
