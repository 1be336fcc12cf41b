// The GPU page: a replica of the detector on TensorFlow.js's WebGPU backend, in a browser page that
// the trainer opens (headless Chromium, or a hidden window of a second DW Studio process). It tells
// the trainer which adapter it has, then answers the same requests as a compute worker, over a
// WebSocket to the trainer on 127.0.0.1 (the page's address carries the port and the token).
// Runs in a browser: no Node APIs here or in anything it imports.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { registerTrainingKernels } from '../compute/trainingKernels';
import { errorText } from '../training/outOfMemory';
import type { FromGpuPage, GpuAdapterInfo, ToGpuPage } from './gpuProtocol';
import { Replica } from './replica';
import { decodeFrame, encodeFrame } from './wire';

interface GpuAdapterLike {
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
}

async function adapterInfo(): Promise<GpuAdapterInfo | null> {
  const gpu = (
    navigator as unknown as { gpu?: { requestAdapter(o: object): Promise<GpuAdapterLike | null> } }
  ).gpu;
  const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const info = adapter.info ?? {};
  const architecture = info.architecture ?? '';
  return {
    vendor: info.vendor ?? '',
    architecture,
    device: info.device ?? '',
    description: info.description ?? '',
    software:
      Boolean(adapter.isFallbackAdapter ?? info.isFallbackAdapter) || /swiftshader/i.test(architecture),
  };
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const socket = new WebSocket(`ws://${location.host}/gpu?token=${params.get('token') ?? ''}`);
  socket.binaryType = 'arraybuffer';
  const send = (msg: FromGpuPage) => socket.send(encodeFrame(msg));
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error('the trainer did not answer'));
  });
  let adapter: GpuAdapterInfo | null = null;
  try {
    adapter = await adapterInfo();
    if (!adapter) throw new Error('this browser offers no WebGPU adapter');
    // The input gradient's tiled GEMM program instead of the naive default.
    tf.env().set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', false);
    if (!(await tf.setBackend('webgpu'))) throw new Error('the WebGPU backend did not start');
    await tf.ready();
    registerTrainingKernels('webgpu');
    tf.enableProdMode();
    const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ message: string }> } }).device;
    void device?.lost?.then((info) =>
      send({ type: 'lost', message: info.message || 'the GPU device was lost' }),
    );
  } catch (e) {
    send({ type: 'hello', adapter, error: errorText(e) });
    return;
  }
  const replica = new Replica();
  let queue: Promise<void> = Promise.resolve();
  socket.onmessage = (event: MessageEvent<ArrayBuffer>) => {
    const msg = decodeFrame<ToGpuPage>(event.data);
    queue = queue.then(async () => {
      try {
        send({ type: 'reply', id: msg.id, ok: true, value: await replica.handle(msg.req) });
      } catch (e) {
        send({ type: 'reply', id: msg.id, ok: false, error: errorText(e) });
      }
    });
  };
  send({ type: 'hello', adapter, error: null });
}

void main();
