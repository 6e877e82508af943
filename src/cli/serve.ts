// placeholder until the component lands: registers nothing.
import type { Command } from 'commander';
import type { IO } from './common.js';
export function registerServe(_program: Command, _io: IO): void {}
