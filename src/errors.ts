/**
 * Errors that memxbar raises for bad user input. They carry *where* the problem is
 * (a config path, an ONNX node, a file and byte offset) and are reported by the CLI
 * as one line with exit code 2, never as a stack trace. A design that fails a check
 * (a co-simulation mismatch) is not bad input: `CheckFailedError`, exit code 1.
 */
export class MemxbarError extends Error {
  /** The CLI's exit code for this error. */
  readonly exitCode: number = 2;

  /** Where the problem is, e.g. `tile.adcBits`, `node "conv3" (Conv)`, `test_batch.bin @ byte 3073`. */
  readonly where: string | undefined;

  constructor(message: string, where?: string) {
    super(where ? `${where}: ${message}` : message);
    this.name = new.target.name;
    this.where = where;
  }
}

/** A configuration value is missing, of the wrong type or out of range. */
export class ConfigError extends MemxbarError {}

/** A model file cannot be read or uses something memxbar does not support. */
export class ModelError extends MemxbarError {}

/** A data file (images, fault map, vectors) is missing, truncated or malformed. */
export class DataError extends MemxbarError {}

/** An engine was asked for something it does not support (refused before any work). */
export class UnsupportedError extends MemxbarError {}

/** An outside tool (Yosys, a simulator) failed; carries its log. */
export class ToolError extends MemxbarError {
  readonly log: string;
  constructor(message: string, log: string, where?: string) {
    super(message, where);
    this.log = log;
  }
}

/** The design under test failed a check (e.g. the RTL disagrees with the reference model): exit code 1. */
export class CheckFailedError extends MemxbarError {
  override readonly exitCode: number = 1;
}

export function isUserError(e: unknown): e is MemxbarError {
  return e instanceof MemxbarError;
}
