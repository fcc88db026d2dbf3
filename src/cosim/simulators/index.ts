/** The simulators co-simulation knows, detection, and the choice `--simulator` makes. */
import { ToolError, ConfigError } from '../../errors.ts';
import { INSTALL_HINT } from '../testbench.ts';
import { cxxrtl } from './cxxrtl.ts';
import { icarus } from './icarus.ts';
import { SIMULATOR_NAMES, type Detection, type Simulator, type SimulatorName } from './simulator.ts';
import { verilator } from './verilator.ts';

export { SIMULATOR_NAMES, type Simulator, type SimulatorName } from './simulator.ts';

/** In order of preference for `auto`: Icarus (4-state), Verilator (fast), CXXRTL (no apt package needed; slow to build for large tiles). */
export const SIMULATORS: readonly Simulator[] = [icarus, verilator, cxxrtl];

export function simulatorByName(name: string): Simulator {
  const s = SIMULATORS.find((x) => x.name === name);
  if (!s) throw new ConfigError(`unknown simulator ${JSON.stringify(name)}; one of ${SIMULATOR_NAMES.join(', ')}, auto`, '--simulator');
  return s;
}

export function detectAll(): { simulator: Simulator; detection: Detection }[] {
  return SIMULATORS.map((simulator) => ({ simulator, detection: simulator.detect() }));
}

/** The named simulator if it is available, or the first available one for `auto`; else a ToolError naming the install command. */
export function chooseSimulator(name: SimulatorName | 'auto' = 'auto'): Simulator {
  if (name !== 'auto') {
    const s = simulatorByName(name);
    const det = s.detect();
    if (!det.available) throw new ToolError(`simulator ${name} is not available: ${det.detail}`, det.detail, '--simulator');
    return s;
  }
  const all = detectAll();
  const found = all.find((x) => x.detection.available);
  if (!found) {
    const why = all.map((x) => `${x.simulator.name}: ${x.detection.detail}`).join('; ');
    throw new ToolError(`no HDL simulator found (${why}); install one: ${INSTALL_HINT}`, why, '--simulator');
  }
  return found.simulator;
}
