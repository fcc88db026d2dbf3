/**
 * The config's named choices that the CLI lists in its help (src/config/schema.ts validates
 * against them). No imports, so `memxbar --help` does not load the schema library.
 */
export const MITIGATIONS = ['none', 'mt-stats', 'mt-map', 'pytorx', 'zhang', 'hosseini'] as const;
export const ENGINES = ['reference', 'fast'] as const;
