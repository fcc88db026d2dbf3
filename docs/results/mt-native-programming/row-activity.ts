import { resolveConfig } from '../../../src/config/load.ts';
import { rowActivity } from '../../../src/mitigation/row-activity.ts';
import { prepare } from '../../../src/session/prepare.ts';
import { RUN_DEFAULT_CONFIG } from '../../../src/run/flow-defaults.ts';
const p = prepare(resolveConfig({ file: RUN_DEFAULT_CONFIG }));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const images = Number(process.argv[2] ?? 50);
for (const native of [true, false]) {
  const c = cpu(); const w = performance.now();
  rowActivity(p.qn, p.calibration.pixels, p.imageSize, images, 128, { native });
  console.log(native ? 'native' : 'typescript', images, 'images: cpu', (cpu() - c).toFixed(2), 's, wall', ((performance.now() - w) / 1000).toFixed(2), 's');
}
