// Makes the chosen backend current in this process (the trainer's, or a benchmark's), with our
// training kernels registered where they are needed. If it fails here although its probe passed,
// the next backend down the order is used and the report says why.
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { cpuDevice, usesWorkers, type BackendName, type ComputeReport } from '../shared/api/system';
import type { ComputeChoice } from './backendChain';
import { defaultResolveBase } from './childProbe';
import { physicalCores } from './cores';
import { chooseCompute, type ProbeOptions } from './probeCompute';
import { registerTrainingKernels } from './trainingKernels';

const ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Loads and selects one backend. `modulePath` is the native package for the TensorFlow backends. */
export async function useBackend(name: BackendName, modulePath: string | null = null): Promise<void> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    if (!modulePath) throw new Error(`${name}: no package to load`);
    createRequire(defaultResolveBase())(modulePath);
    if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialize');
  } else if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialize');
    registerTrainingKernels('wasm');
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialize');
    registerTrainingKernels('cpu');
  }
  await tf.ready();
  tf.enableProdMode();
}

export async function activateCompute(choice: ComputeChoice): Promise<ComputeReport> {
  const { report } = choice;
  const skipped = [...report.skipped];
  for (const name of ORDER.slice(ORDER.indexOf(report.backend))) {
    try {
      await useBackend(name, name === report.backend ? choice.modulePath : null);
      if (name === report.backend) return { ...report, skipped };
      const simd = name === 'wasm' && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
      // Down from a TensorFlow backend, the run is split over a worker per core again.
      const threads = usesWorkers(report.backend) ? report.threads : physicalCores();
      const device = cpuDevice(threads, name as 'wasm' | 'cpu', simd);
      return { ...report, backend: name, device, usesGpu: false, threads, skipped };
    } catch (err) {
      skipped.push({
        backend: name,
        reason: `failed to start in the training process: ${(err as Error).message.split('\n')[0]}`,
      });
    }
  }
  throw new Error('no TensorFlow.js backend could be started');
}

/** Probe, then activate: what the trainer process calls once at start. */
export async function selectCompute(options: ProbeOptions = {}): Promise<ComputeReport> {
  return activateCompute(await chooseCompute(options));
}
