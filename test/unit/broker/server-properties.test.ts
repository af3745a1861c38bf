import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BROKER_CONFIG_KEYS, parseBrokerConfig, parseProperties } from '../../../broker/config.js';

const SAMPLE = new URL('../../../docker/server.properties', import.meta.url);

describe('docker/server.properties', () => {
  it('documents every supported key, and its values are the defaults', async () => {
    const text = await readFile(SAMPLE, 'utf8');
    // every setting is commented out: uncommented, the file must parse to exactly the built-in defaults
    const uncommented = text.replace(/^#([a-z][a-z0-9.]*=)/gm, '$1');
    const props = parseProperties(uncommented);
    expect(Object.keys(props).sort()).toEqual(BROKER_CONFIG_KEYS.map((k) => k.name).sort());
    for (const key of BROKER_CONFIG_KEYS) {
      expect(text, key.name).toContain(`# ${key.doc}\n#${key.name}=`);
    }
    const { properties: _fromFile, ...fromFile } = parseBrokerConfig(props);
    const { properties: _defaults, ...defaults } = parseBrokerConfig({});
    expect(fromFile).toEqual(defaults);
  });
});
