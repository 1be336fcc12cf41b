// What the detector's modules take as `tf` inside an exported model's module: TensorFlow.js core and
// nothing else. Detection needs no gradients, so none are registered, and the module depends only on
// @tensorflow/tfjs-core and whichever backend its user picks. The build resolves the detector's own
// `tf.ts` to this file for that bundle (scripts/entries.mjs, DEPLOY_BUILD).
export * as tf from '@tensorflow/tfjs-core';
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Scalar, Rank } from '@tensorflow/tfjs-core';
