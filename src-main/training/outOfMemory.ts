// Telling an out-of-memory apart from other failures of the trainer, and saying it to the user in
// plain words: which backend ran out, and what to change. Shared by the trainer process (a job that
// throws) and the main side (a process that dies, judged from its stderr).
import type { ComputeReport } from '../shared/api/system';
import type { JobSpec } from './protocol';

/** How each backend, and V8 itself, says that memory ran out. */
const OUT_OF_MEMORY = [
  // V8 ("JavaScript heap out of memory"), tfjs-node-gpu's "CUDA_ERROR_OUT_OF_MEMORY", emscripten.
  /out[ _]of[ _]memory/i,
  // TensorFlow "OOM when allocating tensor", emscripten "Aborted(OOM)": the word, not "zoom" or "room".
  /\bOOM\b/,
  /ResourceExhausted|Resource exhausted/i,
  /std::bad_alloc/,
  /(CUBLAS|CUDNN)_STATUS_ALLOC_FAILED/,
  // V8 "Reached heap limit Allocation failed", RangeError "Array buffer allocation failed".
  /allocation failed/i,
  // WebAssembly past its 4 GB heap: emscripten's malloc returns 0 instead of failing, and the next
  // kernel that writes there traps with this.
  /memory access out of bounds/i,
  // WebAssembly.Memory(): could not allocate memory; WebAssembly.Memory.grow(): Maximum memory size exceeded.
  /WebAssembly\.Memory.*(could not|maximum memory|grow)/i,
  /Cannot enlarge memory/i,
  // WebGPU: a buffer the device could not allocate.
  /GPUOutOfMemoryError|Failed to allocate .*buffer|out of device memory/i,
  /RangeError: .*memory/i,
  // emscripten's abort when an allocation fails, with no message.
  /Aborted\(\)/,
];

export function isOutOfMemory(text: string): boolean {
  return OUT_OF_MEMORY.some((re) => re.test(text));
}

/** An error's message with its class name ("RuntimeError: memory access out of bounds"). */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.name && e.name !== 'Error' && !e.message.startsWith(e.name)
    ? `${e.name}: ${e.message}`
    : e.message;
}

const WASM_HEAP_GB = 4;

/** Where the memory ran out, on which backend, in the user's terms. */
function where(compute: ComputeReport | null): string {
  switch (compute?.backend) {
    case 'tensorflow-gpu':
      return `on the GPU (${compute.device}, TensorFlow backend): its memory is full`;
    case 'webgpu':
      return `on the GPU (${compute.device}, WebGPU backend): its memory is full`;
    case 'tensorflow':
      return "on the TensorFlow CPU backend: the computer's memory is full";
    case 'wasm':
      return `on the WebAssembly CPU backend, which can use at most ${WASM_HEAP_GB} GB however much memory the computer has`;
    case 'cpu':
      return "on the JavaScript CPU backend: the computer's memory is full";
    default:
      return 'in the trainer process';
  }
}

const DOING: Record<JobSpec['kind'], string> = {
  train: 'Training',
  evaluate: 'Evaluating the model',
  predict: 'Predicting',
  inspect: 'Inspecting the assignment',
};

/**
 * The reason shown for an out-of-memory: what ran out, on which backend, the trainer's own words (for
 * a bug report), and what to do, with the settings the run had.
 */
export function outOfMemoryReason(
  compute: ComputeReport | null,
  job: JobSpec | null,
  detail?: string,
): string {
  const said = detail?.trim().split('\n').find(Boolean)?.trim();
  const words = said ? ` (${said.length > 160 ? `${said.slice(0, 157)}...` : said})` : '';
  const doing = job ? DOING[job.kind] : 'The trainer';
  const advice =
    job === null || job.kind === 'train'
      ? 'Start a new run with a smaller input size, batch size or network preset' +
        (job
          ? ` (it had ${job.config.size} px, batch ${job.config.batchSize}, the ${job.config.preset} network).`
          : '.')
      : 'Close other programs, or use a model trained at a smaller input size or with a smaller network.';
  return `${doing} ran out of memory ${where(compute)}${words}. ${advice}`;
}
