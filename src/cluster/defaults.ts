/** `sweep --slurm`'s default shard count: one array task per point, at most this many (no imports: the CLI's help shows it without loading the sweep). */
export const DEFAULT_MAX_SHARDS = 16;
