// The machine formats every findings command shares: `-o sarif` (a SARIF 2.1.0 log for code scanning) and
// `-o github` (workflow annotations). The formatters live in src/findings; this only picks and prints.
import type { Finding, FindingComponent } from '../findings/index.js';
import { toSarif } from '../findings/sarif.js';
import { findingAnnotations } from '../findings/annotations.js';
import { PODNET_VERSION, type IO } from './common.js';

export const MACHINE_FORMATS = ['sarif', 'github'];

/** Prints findings as SARIF or annotations; false for any other format (the command prints it itself). */
export function writeMachineFindings(format: string, findings: readonly Finding[], command: string, components: readonly FindingComponent[], io: IO, argv?: readonly string[]): boolean {
  if (format === 'sarif') {
    io.out.write(JSON.stringify(toSarif(findings, { command, components, toolVersion: PODNET_VERSION, argv }), null, 2) + '\n');
    return true;
  }
  if (format === 'github') {
    io.out.write(findingAnnotations(findings));
    return true;
  }
  return false;
}
