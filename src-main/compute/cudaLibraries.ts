// What libtensorflow 2.9.1 (inside tfjs-node-gpu 4.22) needs to use an NVIDIA GPU, and pure
// functions that find out which part is missing: from TensorFlow's own log lines, and from a
// search of the library path that never loads anything (TFJS.md §5).

/** The CUDA 11.2 / cuDNN 8.1 runtime libraries TensorFlow opens, by platform. */
export function requiredCudaLibraries(platform: NodeJS.Platform): string[] {
  if (platform === 'win32') {
    return [
      'cudart64_110.dll',
      'cublas64_11.dll',
      'cublasLt64_11.dll',
      'cufft64_10.dll',
      'curand64_10.dll',
      'cusolver64_11.dll',
      'cusparse64_11.dll',
      'cudnn64_8.dll',
    ];
  }
  return [
    'libcudart.so.11.0',
    'libcublas.so.11',
    'libcublasLt.so.11',
    'libcufft.so.10',
    'libcurand.so.10',
    'libcusolver.so.11',
    'libcusparse.so.11',
    'libcudnn.so.8',
  ];
}

/** The driver's library: when it cannot be opened there is no usable NVIDIA driver. */
export const DRIVER_LIBRARIES = ['libcuda.so.1', 'nvcuda.dll'];

/** Newer runtimes that do not satisfy libtensorflow 2.9 on their own; named in the advice when present. */
export const NEWER_CUDA_LIBRARIES = ['libcudart.so.12', 'libcudnn.so.9', 'cudart64_12.dll', 'cudnn64_9.dll'];

export interface TfLogFacts {
  /** Libraries TensorFlow reported as impossible to load, in order, without duplicates. */
  missingLibraries: string[];
  /** TensorFlow said "Skipping registering GPU devices". */
  skippedGpu: boolean;
  /** From "failed call to cuInit: CUDA_ERROR_…", e.g. CUDA_ERROR_NO_DEVICE. */
  cuInitError: string | null;
  /** From "Created device …GPU:0 … name: …, compute capability: …". */
  gpu: { name: string; computeCapability: string | null; memoryMb: number | null } | null;
}

/** Reads TensorFlow's C++ log (stderr of a process that loaded tfjs-node-gpu). */
export function parseTfLog(stderr: string): TfLogFacts {
  const missing: string[] = [];
  for (const m of stderr.matchAll(/Could not load dynamic library '([^']+)'/g)) {
    if (!missing.includes(m[1]!)) missing.push(m[1]!);
  }
  const created =
    /Created device \S*GPU:\d+ with (\d+) MB memory[^\n]*?name: ([^,\n]+)(?:,[^\n]*?compute capability: ([\d.]+))?/.exec(
      stderr,
    );
  return {
    missingLibraries: missing,
    skippedGpu: /Skipping registering GPU devices/.test(stderr),
    cuInitError: /failed call to cuInit: ([^:\n]+)/.exec(stderr)?.[1]?.trim() ?? null,
    gpu: created
      ? { name: created[2]!.trim(), computeCapability: created[3] ?? null, memoryMb: Number(created[1]) }
      : null,
  };
}

/** `ldconfig -p` output → library file name → paths, in the order listed. */
export function parseLdconfig(output: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const m of output.matchAll(/^\s*(\S+)\s+\([^)]*\)\s+=>\s+(\S.*?)\s*$/gm)) {
    const paths = found.get(m[1]!) ?? [];
    paths.push(m[2]!);
    found.set(m[1]!, paths);
  }
  return found;
}

export interface LibrarySearchInput {
  names: readonly string[];
  /** Directories the loader searches, in order: LD_LIBRARY_PATH (PATH on Windows). */
  searchPath: readonly string[];
  /** `ldconfig -p` output ('' where unavailable). */
  ldconfig: string;
  /** Directories outside the search path where a CUDA toolkit commonly lives (/usr/local/cuda-11.2/lib64). */
  extraDirs: readonly string[];
  exists: (path: string) => boolean;
  join: (dir: string, name: string) => string;
}

export interface LibraryLocation {
  name: string;
  /** Where the loader would find it, or null. */
  onPath: string | null;
  /** Where it exists although the loader would not look there, or null. */
  offPath: string | null;
}

/** Locates each library by file existence only (no dlopen, so a broken library cannot crash us). */
export function locateLibraries(input: LibrarySearchInput): LibraryLocation[] {
  const cache = parseLdconfig(input.ldconfig);
  const firstIn = (dirs: readonly string[], name: string) =>
    dirs.map((d) => input.join(d, name)).find((p) => input.exists(p)) ?? null;
  return input.names.map((name) => ({
    name,
    onPath: firstIn(input.searchPath, name) ?? cache.get(name)?.[0] ?? null,
    offPath: firstIn(input.extraDirs, name),
  }));
}

/** Splits LD_LIBRARY_PATH / PATH into directories. */
export function splitSearchPath(value: string | undefined, platform: NodeJS.Platform): string[] {
  return (value ?? '').split(platform === 'win32' ? ';' : ':').filter((d) => d.length > 0);
}
