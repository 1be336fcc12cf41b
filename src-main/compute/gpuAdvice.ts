// Turns what we know about a GPU that TensorFlow could not use into one reason and one fix, in
// plain words, naming the exact missing library (DESIGN.md: never a silent CPU run).
import { DRIVER_LIBRARIES, type LibraryLocation, type TfLogFacts } from './cudaLibraries';

export interface Advice {
  reason: string;
  fix: string;
}

export interface GpuEvidence {
  platform: NodeJS.Platform;
  log: TfLogFacts;
  /** The required CUDA/cuDNN libraries located by file search; null when the search was not run. */
  libraries: LibraryLocation[] | null;
  /** Newer CUDA/cuDNN libraries found (CUDA 12, cuDNN 9): worth naming, they are a common trap. */
  newer: LibraryLocation[];
  /** Whether an NVIDIA kernel driver is present (/proc/driver/nvidia/version); null if unknown. */
  driverPresent: boolean | null;
}

const DRIVER_FIX =
  'Install the NVIDIA driver for your GPU (version 450 or newer) and check that `nvidia-smi` lists the GPU.';
const RUNTIME = 'the CUDA 11.2 and cuDNN 8.1 runtime libraries';
const pathVar = (platform: NodeJS.Platform) => (platform === 'win32' ? 'PATH' : 'LD_LIBRARY_PATH');

function list(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Why tfjs-node-gpu loaded but runs on the CPU, and what to do about it. */
export function adviseNoGpu(e: GpuEvidence): Advice {
  if (e.driverPresent === false || e.log.missingLibraries.some((l) => DRIVER_LIBRARIES.includes(l))) {
    return {
      reason: 'no NVIDIA driver found (libcuda could not be loaded)',
      fix: DRIVER_FIX,
    };
  }
  if (e.log.cuInitError === 'CUDA_ERROR_NO_DEVICE') {
    return { reason: 'no usable NVIDIA GPU (the driver reports CUDA_ERROR_NO_DEVICE)', fix: DRIVER_FIX };
  }

  // TensorFlow's own list is authoritative; the file search fills in when its log was silenced.
  const fromSearch = (e.libraries ?? []).filter((l) => !l.onPath).map((l) => l.name);
  const missing = e.log.missingLibraries.length > 0 ? e.log.missingLibraries : fromSearch;
  if (missing.length === 0) {
    return {
      reason: e.log.cuInitError
        ? `TensorFlow found no GPU device (cuInit failed: ${e.log.cuInitError})`
        : 'TensorFlow found no GPU device',
      fix: 'Check that `nvidia-smi` lists the GPU and that CUDA_VISIBLE_DEVICES does not hide it.',
    };
  }

  const v = pathVar(e.platform);
  const parts = [
    `Install ${RUNTIME} (${list(missing)}) and add their folder to ${v} before starting DW Studio.`,
  ];
  const offPath = (e.libraries ?? []).filter((l) => missing.includes(l.name) && l.offPath);
  const dirs = [...new Set(offPath.map((l) => dirOf(l.offPath!)))];
  if (dirs.length > 0) {
    const sep = e.platform === 'win32' ? ';' : ':';
    parts.push(
      `${list(offPath.map((l) => l.name))} already exist in ${list(dirs)}, which is not on ${v}: ` +
        `start DW Studio with ${v}=${dirs.join(sep)}${sep}$${v}.`,
    );
  }
  const newer = e.newer.filter((l) => l.onPath || l.offPath).map((l) => l.name);
  if (newer.length > 0) {
    parts.push(
      `Found ${list(newer)} (CUDA 12 / cuDNN 9): those alone are not enough for TensorFlow 2.9; ` +
        'install the 11.x runtime side by side.',
    );
  }
  return {
    reason: `TensorFlow found no usable GPU: it could not load ${list(missing)}`,
    fix: parts.join(' '),
  };
}

function dirOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i > 0 ? path.slice(0, i) : path;
}
