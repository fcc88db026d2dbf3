/** `memxbar cost`'s default fault study (no imports: the CLI's help shows them without loading the cost model). */
import type { Mitigation } from '../config/schema.ts';

export const DEFAULT_RATIOS = ['5:1', '1:5'];
export const DEFAULT_MITIGATIONS: Mitigation[] = ['none', 'mt-stats', 'mt-map'];
