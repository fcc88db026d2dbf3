/** Run the CLI in-process through `main`, capturing stdout, stderr and the exit code. */
import { vi } from 'vitest';
import { main } from '../src/cli/main.ts';

// The CLI loads a command's modules when the command runs (a fast start, src/cli/commands/).
// Tests that time a command (a refusal must come before any long work) load them here once, as
// the CLI's former static imports did, so they time the command and not module loading.
await Promise.all([
  import('../src/run/flow.ts'),
  import('../src/bench/suite.ts'),
  import('../src/config/reference-doc.ts'),
  import('../src/crossbar/faults.ts'),
  import('../src/nn/onnx.ts'),
]);

export async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  try {
    const code = await main(['node', 'memxbar', ...args]);
    return { code, stdout, stderr };
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
  }
}
