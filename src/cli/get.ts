// placeholder: replaced by the kubectl-style printers
import type { Command } from 'commander';
import type { IO } from './common.js';
export function registerGet(_program: Command, _io: IO): void {}
