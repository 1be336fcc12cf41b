import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { physicalCores, physicalCoresFrom } from '../../../src-main/compute/cores';

describe('physical cores (the default number of compute workers)', () => {
  it('counts the distinct thread-sibling lists on Linux: two hyperthreads are one core', () => {
    expect(
      physicalCoresFrom({
        platform: 'linux',
        logical: 8,
        siblingLists: ['0,4', '1,5', '2,6', '3,7', '0,4', '1,5', '2,6', '3,7'],
      }),
    ).toBe(4);
    expect(physicalCoresFrom({ platform: 'linux', logical: 2, siblingLists: ['0', '1'] })).toBe(2);
    expect(
      physicalCoresFrom({
        platform: 'linux',
        logical: 12,
        siblingLists: ['0-1', '2-3', '4-5', '0-1', '2-3', '4-5'],
      }),
    ).toBe(3);
  });

  it('takes sysctl on macOS, and the logical count where nothing better is known', () => {
    expect(physicalCoresFrom({ platform: 'darwin', logical: 16, sysctlPhysical: 8 })).toBe(8);
    expect(physicalCoresFrom({ platform: 'darwin', logical: 16, sysctlPhysical: null })).toBe(16);
    expect(physicalCoresFrom({ platform: 'win32', logical: 6 })).toBe(6);
    expect(physicalCoresFrom({ platform: 'linux', logical: 0, siblingLists: [] })).toBe(1);
  });

  it('finds at least one core on this machine, and no more than its logical processors', () => {
    const n = physicalCores();
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(os.cpus().length);
  });
});
