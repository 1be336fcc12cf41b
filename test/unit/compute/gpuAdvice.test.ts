import { describe, expect, it } from 'vitest';
import {
  locateLibraries,
  parseLdconfig,
  parseTfLog,
  requiredCudaLibraries,
  splitSearchPath,
} from '../../../src-main/compute/cudaLibraries';
import { adviseNoGpu, type GpuEvidence } from '../../../src-main/compute/gpuAdvice';

// What libtensorflow 2.9.1 prints on a machine with a driver but only CUDA 12 / cuDNN 9 (TFJS.md §5).
const NO_CUDA11_LOG = [
  "2024-05-02 10:11:12.000001: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory; LD_LIBRARY_PATH: /usr/local/cuda-12.4/lib64",
  '2024-05-02 10:11:12.000002: I tensorflow/stream_executor/cuda/cudart_stub.cc:29] Ignore above cudart dlerror if you do not have a GPU set up on your machine.',
  "2024-05-02 10:11:13.000003: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcublas.so.11'; dlerror: libcublas.so.11: cannot open shared object file: No such file or directory",
  "2024-05-02 10:11:13.000004: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file: No such file or directory",
  "2024-05-02 10:11:13.000005: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: again",
  '2024-05-02 10:11:13.000006: W tensorflow/core/common_runtime/gpu/gpu_device.cc:1850] Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are installed properly if you would like to use GPU. Skipping registering GPU devices...',
].join('\n');

const GPU_OK_LOG =
  '2024-05-02 10:11:14.5: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1532] Created device /job:localhost/replica:0/task:0/device:GPU:0 with 10085 MB memory:  -> device: 0, name: NVIDIA GeForce RTX 3060, pci bus id: 0000:01:00.0, compute capability: 8.6';

const NO_DRIVER_LOG = [
  "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcuda.so.1'; dlerror: libcuda.so.1: cannot open shared object file",
  'W tensorflow/stream_executor/cuda/cuda_driver.cc:269] failed call to cuInit: UNKNOWN ERROR (303)',
].join('\n');

const LDCONFIG = `1203 libs found in cache \`/etc/ld.so.cache'
\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda-12.4/lib64/libcudart.so.12
\tlibcublasLt.so.11 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcublasLt.so.11
\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6
`;

function evidence(log: string, files: string[], extra: Partial<GpuEvidence> = {}): GpuEvidence {
  const base = {
    searchPath: ['/usr/local/cuda-12.4/lib64'],
    ldconfig: LDCONFIG,
    extraDirs: ['/usr/local/cuda-11.2/lib64'],
    exists: (p: string) => files.includes(p),
    join: (d: string, n: string) => `${d}/${n}`,
  };
  return {
    platform: 'linux',
    log: parseTfLog(log),
    libraries: locateLibraries({ ...base, names: requiredCudaLibraries('linux') }),
    newer: locateLibraries({ ...base, names: ['libcudart.so.12', 'libcudnn.so.9'] }),
    driverPresent: true,
    ...extra,
  };
}

describe('parseTfLog', () => {
  it('lists each library TensorFlow could not load, once, in order', () => {
    const f = parseTfLog(NO_CUDA11_LOG);
    expect(f.missingLibraries).toEqual(['libcudart.so.11.0', 'libcublas.so.11', 'libcudnn.so.8']);
    expect(f.skippedGpu).toBe(true);
    expect(f.gpu).toBeNull();
  });

  it('reads the created GPU device', () => {
    expect(parseTfLog(GPU_OK_LOG).gpu).toEqual({
      name: 'NVIDIA GeForce RTX 3060',
      computeCapability: '8.6',
      memoryMb: 10085,
    });
  });

  it('reads a cuInit failure', () => {
    expect(
      parseTfLog('E cuda_driver.cc:271] failed call to cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable device')
        .cuInitError,
    ).toBe('CUDA_ERROR_NO_DEVICE');
  });
});

describe('library search (no dlopen)', () => {
  it('parses ldconfig -p', () => {
    const m = parseLdconfig(LDCONFIG);
    expect(m.get('libcudart.so.12')).toEqual(['/usr/local/cuda-12.4/lib64/libcudart.so.12']);
    expect(m.get('libc.so.6')).toEqual(['/lib/x86_64-linux-gnu/libc.so.6']);
  });

  it('finds libraries on LD_LIBRARY_PATH, in the ld cache, and off the path', () => {
    const e = evidence('', [
      '/usr/local/cuda-12.4/lib64/libcudnn.so.8',
      '/usr/local/cuda-11.2/lib64/libcudart.so.11.0',
    ]);
    const byName = Object.fromEntries(e.libraries!.map((l) => [l.name, l]));
    expect(byName['libcudnn.so.8']!.onPath).toBe('/usr/local/cuda-12.4/lib64/libcudnn.so.8');
    expect(byName['libcublasLt.so.11']!.onPath).toBe('/usr/lib/x86_64-linux-gnu/libcublasLt.so.11');
    expect(byName['libcudart.so.11.0']).toEqual({
      name: 'libcudart.so.11.0',
      onPath: null,
      offPath: '/usr/local/cuda-11.2/lib64/libcudart.so.11.0',
    });
  });

  it('splits search paths per platform', () => {
    expect(splitSearchPath('/a::/b', 'linux')).toEqual(['/a', '/b']);
    expect(splitSearchPath('C:\\x;D:\\y', 'win32')).toEqual(['C:\\x', 'D:\\y']);
    expect(splitSearchPath(undefined, 'linux')).toEqual([]);
  });
});

describe('adviseNoGpu', () => {
  it('names the missing libraries from the log, what to install, and the CUDA 12 trap', () => {
    const a = adviseNoGpu(evidence(NO_CUDA11_LOG, []));
    expect(a.reason).toBe(
      'TensorFlow found no usable GPU: it could not load libcudart.so.11.0, libcublas.so.11 and libcudnn.so.8',
    );
    expect(a.fix).toContain('Install the CUDA 11.2 and cuDNN 8.1 runtime libraries');
    expect(a.fix).toContain('LD_LIBRARY_PATH');
    expect(a.fix).toContain('Found libcudart.so.12 (CUDA 12 / cuDNN 9)');
  });

  it('falls back to the file search when the log was silenced, and says which folder to add', () => {
    const a = adviseNoGpu(evidence('', ['/usr/local/cuda-11.2/lib64/libcudart.so.11.0']));
    expect(a.reason).toContain('libcudart.so.11.0');
    expect(a.reason).toContain('libcudnn.so.8');
    expect(a.reason).not.toContain('libcublasLt.so.11'); // present in the ld cache
    expect(a.fix).toContain(
      'libcudart.so.11.0 already exist in /usr/local/cuda-11.2/lib64, which is not on LD_LIBRARY_PATH: ' +
        'start DW Studio with LD_LIBRARY_PATH=/usr/local/cuda-11.2/lib64:$LD_LIBRARY_PATH.',
    );
  });

  it('blames the driver when libcuda is missing', () => {
    const a = adviseNoGpu(evidence(NO_DRIVER_LOG, []));
    expect(a.reason).toBe('no NVIDIA driver found (libcuda could not be loaded)');
    expect(a.fix).toContain('NVIDIA driver');
    expect(adviseNoGpu(evidence('', [], { driverPresent: false })).reason).toContain('no NVIDIA driver');
  });

  it('says so when every library is present but no device appeared', () => {
    const all = requiredCudaLibraries('linux').map((n) => `/usr/local/cuda-12.4/lib64/${n}`);
    expect(adviseNoGpu(evidence('', all)).reason).toBe('TensorFlow found no GPU device');
  });

  it('uses Windows names and PATH on Windows', () => {
    const log =
      "W dso_loader.cc:64] Could not load dynamic library 'cudnn64_8.dll'; dlerror: cudnn64_8.dll not found";
    const a = adviseNoGpu({ ...evidence(log, []), platform: 'win32', libraries: null, newer: [] });
    expect(a.reason).toBe('TensorFlow found no usable GPU: it could not load cudnn64_8.dll');
    expect(a.fix).toContain('to PATH');
    expect(requiredCudaLibraries('win32')).toContain('cudart64_110.dll');
  });
});
