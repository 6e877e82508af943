// The podnet command line. Every command loads the cluster through the engine and prints; no semantics live here.
import { Command, CommanderError, Option } from 'commander';
import { registerGet } from './get.js';
import { registerDescribe } from './describe.js';
import { registerValidate } from './validate.js';
import { CliExit, PODNET_VERSION } from './common.js';
import { registerCheck } from './check.js';
import { registerMatrix } from './matrix.js';
import { registerExplain } from './explain.js';
import { registerLint } from './lint.js';
import { registerDns } from './dns.js';
import { registerEndpoints } from './endpoints.js';
import { registerProxyRules } from './proxy-rules.js';
import { registerPolicyRules } from './policy-rules.js';
import { registerTrace } from './trace.js';
import { registerRoute } from './route.js';
import { registerServe } from './serve.js';
import { registerUp } from './up.js';
import { registerDown, registerExec } from './exec.js';
import { registerApply } from './apply.js';
import { registerLogs } from './logs.js';
import { registerMesh } from './mesh.js';
import { registerFault } from './fault.js';
import { registerKubeconfig } from './kubeconfig.js';
import { registerDiff } from './diff.js';
import { registerTest } from './test.js';
import { registerSuggest } from './suggest.js';
import { registerVerify } from './verify.js';
import { installLiveHook, type LiveDefaults } from './live.js';
import { registerSnapshot } from './snapshot.js';

export function buildProgram(out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr, live: LiveDefaults = {}): Command {
  const program = new Command('podnet')
    .description('Kubernetes networking, emulated, explained and served')
    .version(PODNET_VERSION)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) })
    .exitOverride();
  const io = { out, err };
  registerGet(program, io);
  registerDescribe(program, io);
  registerValidate(program, io);
  registerCheck(program, io);
  registerMatrix(program, io);
  registerExplain(program, io);
  registerLint(program, io);
  registerDns(program, io);
  registerEndpoints(program, io);
  registerProxyRules(program, io);
  registerPolicyRules(program, io);
  registerTrace(program, io);
  registerRoute(program, io);
  registerServe(program, io);
  registerUp(program, io);
  registerVerify(program, io);
  registerExec(program, io);
  registerDown(program, io);
  registerApply(program, io);
  registerLogs(program, io);
  registerMesh(program, io);
  registerFault(program, io);
  registerKubeconfig(program, io);
  registerDiff(program, io);
  registerTest(program, io);
  registerSuggest(program, io);
  registerSnapshot(program, io);
  installLiveHook(program, io, live);
  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr, live: LiveDefaults = {}): Promise<number> {
  const program = buildProgram(out, err, live);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CliExit) return e.code;
    if (e instanceof CommanderError) return e.exitCode;
    throw e;
  }
}

export { Option };
