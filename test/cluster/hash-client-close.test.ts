import { describe, expect, it } from 'vitest';
import { HashClient, MemcacheClosedError } from '../../src/index.js';
import { clusterFixture } from './servers.js';

// After close(), every HashClient command fails with MemcacheClosedError, ignoreExc or not.
const { start, track } = clusterFixture();

describe('a closed HashClient', () => {
  it('fails every kind of command with MemcacheClosedError, reads under ignoreExc included', async () => {
    const specs = (await start(2)).map((s) => s.spec);
    for (const ignoreExc of [false, true]) {
      const cluster = track(new HashClient(specs, { ignoreExc }));
      await cluster.set('k', 'v', { noreply: false });
      const closing = cluster.close();
      const commands = [
        cluster.get('k', 'miss'),
        cluster.gets('k'),
        cluster.getMany(['k', 'other']),
        cluster.set('k', 'v'),
        cluster.setMany([['k', 'v']]),
        cluster.deleteMany(['k']),
        cluster.stats(),
        cluster.version(),
      ];
      for (const command of commands) await expect(command).rejects.toBeInstanceOf(MemcacheClosedError);
      await closing;
      await expect(cluster.get('k', 'miss')).rejects.toBeInstanceOf(MemcacheClosedError);
    }
  });
});
