/**
 * memxbar command line: a thin layer over the library. User errors (bad config, bad
 * files, unsupported requests) print one line and exit with 2; a failed check (a
 * co-simulation mismatch) prints one line and exits with 1; bugs keep their stack.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.ts';
import { isUserError } from '../errors.ts';
import { register as registerConfig } from './commands/config.ts';
import { register as registerEval } from './commands/eval.ts';
import { register as registerSweep } from './commands/sweep.ts';
import { register as registerBench } from './commands/bench.ts';
import { register as registerFaults } from './commands/faults.ts';
import { register as registerGen } from './commands/gen.ts';
import { register as registerSynth } from './commands/synth.ts';
import { register as registerCost } from './commands/cost.ts';
import { register as registerCosim } from './commands/cosim.ts';
import { register as registerRun } from './commands/run.ts';
import { register as registerTrain } from './commands/train.ts';

export { VERSION };

export function buildProgram(): Command {
  const program = new Command('memxbar')
    .description('Memristor crossbar compute-in-memory design: accuracy under stuck-at faults, Mapping Transformation, RTL, synthesis, co-simulation, cost')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(memxbar --help lists the commands)');
  for (const register of [registerRun, registerEval, registerSweep, registerFaults, registerGen, registerSynth, registerCosim, registerCost, registerTrain, registerConfig, registerBench]) register(program);
  return program;
}

/** Run the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2; // commander already printed the usage error
    }
    if (isUserError(e)) {
      process.stderr.write(`memxbar: error: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
