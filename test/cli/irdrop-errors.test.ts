/** IR drop's bad input at the CLI: one line naming the config path, exit 2, before any work. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(__dirname, '..', '..', 'bin', 'memxbar.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}

describe('IR drop config errors', () => {
  it.each([
    [['--set', 'tile.irDrop.enabled=true', '--set', 'tile.irDrop.wireRowOhm=0'], 'tile.irDrop.wireRowOhm', '> 0'],
    [['--set', 'tile.irDrop.enabled=true', '--set', 'tile.irDrop.wireColOhm=0'], 'tile.irDrop.wireColOhm', '> 0'],
    [['--set', 'tile.irDrop.wireColOhm=-2'], 'tile.irDrop.wireColOhm', '0..10000'],
    [['--set', 'tile.irDrop.driverOhm=NaN'], 'tile.irDrop.driverOhm', 'NaN'],
  ])('eval %j → exit 2 naming %s', (set, path, what) => {
    const r = run(['eval', '--crossbar', '--images', '1', ...set]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toContain(what);
  });
});
