import { compareNeurosim, neurosimMarkdown } from './src/cost/neurosim.ts';
const t0 = Date.now();
const c = compareNeurosim(Number(process.argv[2] ?? 1));
console.log(neurosimMarkdown(c));
console.error('ms', Date.now() - t0);
