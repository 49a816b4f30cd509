import { describe, expect, it } from 'vitest';
import { nodeSpec, parseClusterConfig } from '../../src/discovery/cluster-config.js';

const body = '12\nmc-1.cache.local|10.0.0.1|11211 mc-2.cache.local|10.0.0.2|11212\n';
const reply = (text: string, count = Buffer.byteLength(text)) => Buffer.from(`CONFIG cluster 0 ${count}\r\n${text}\r\nEND\r\n`, 'latin1');

describe('parseClusterConfig', () => {
  it('reads the version and the nodes in order', () => {
    expect(parseClusterConfig(reply(body))).toEqual({
      version: 12,
      nodes: [
        { host: 'mc-1.cache.local', ip: '10.0.0.1', port: 11211 },
        { host: 'mc-2.cache.local', ip: '10.0.0.2', port: 11212 },
      ],
    });
  });

  it('waits for the whole reply, however it is cut', () => {
    const whole = reply(body);
    for (let cut = 0; cut < whole.length; cut++) expect(parseClusterConfig(whole.subarray(0, cut))).toBeUndefined();
  });

  it('reads the body up to END whatever its byte count says', () => {
    expect(parseClusterConfig(reply(body, Buffer.byteLength(body) - 1))?.version).toBe(12);
  });

  it('refuses what is not a configuration, naming why', () => {
    const refusal = (text: string) => () => parseClusterConfig(Buffer.from(text, 'latin1'));
    expect(refusal('ERROR\r\n')).toThrow(expect.objectContaining({ name: 'MemcacheUnknownCommandError' }));
    expect(refusal('SERVER_ERROR busy\r\n')).toThrow(expect.objectContaining({ name: 'MemcacheServerError' }));
    expect(refusal('VALUE x 0 1\r\n')).toThrow(expect.objectContaining({ name: 'MemcacheUnknownError' }));
    expect(() => parseClusterConfig(reply('x\nh|1.2.3.4|11211\n'))).toThrow(/version/);
    expect(() => parseClusterConfig(reply('3\nh|1.2.3.4|port\n'))).toThrow(/bad node/);
    expect(() => parseClusterConfig(reply('3\nh|1.2.3.4|70000\n'))).toThrow(/bad node/);
    expect(() => parseClusterConfig(reply('3\n\n'))).toThrow(/no nodes/);
  });

  it('gives up on a reply that never ends', () => {
    expect(() => parseClusterConfig(Buffer.alloc(2 * 1024 * 1024, 'a'))).toThrow(/longer than/);
  });
});

describe('nodeSpec', () => {
  it('names a node by host (or IP when asked, or when the host is empty), brackets IPv6', () => {
    const node = { host: 'mc-1.cache.local', ip: '10.0.0.1', port: 11211 };
    expect(nodeSpec(node, 'host')).toBe('mc-1.cache.local:11211');
    expect(nodeSpec(node, 'ip')).toBe('10.0.0.1:11211');
    expect(nodeSpec({ host: '', ip: '::1', port: 11300 }, 'host')).toBe('[::1]:11300');
  });
});
