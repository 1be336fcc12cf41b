import os from 'node:os';
import type { ComputeReport, SystemInfo } from '../shared/api/system';

export interface SystemFacts {
  appVersion: string;
  mode: SystemInfo['mode'];
}

export function systemInfo(facts: SystemFacts, compute: ComputeReport | null): SystemInfo {
  const cpus = os.cpus();
  const versions = process.versions as NodeJS.ProcessVersions & { electron?: string; chrome?: string };
  return {
    appVersion: facts.appVersion,
    mode: facts.mode,
    versions: {
      node: versions.node,
      electron: versions.electron ?? null,
      chrome: versions.chrome ?? null,
    },
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryBytes: os.totalmem(),
    freeMemoryBytes: os.freemem(),
    compute,
  };
}
