// The one module of the detector layer that imports TensorFlow.js. Everything in src-main/detector
// takes `tf` from here, so gradient registration cannot be forgotten by a caller.
//
// `@tensorflow/tfjs-core` alone registers no gradients. Importing `@tensorflow/tfjs-layers` registers all
// of them (its entry imports tfjs-core's `register_all_gradients`), and it does so both in the CommonJS
// bundle the app ships (esbuild, packages external: `require` picks each package's node `main`) and
// under the ESM loader the tests run in. The engine and the gradient registry are process-wide
// singletons in tfjs, so the registration reaches every copy of tfjs-core that might be loaded.
import '@tensorflow/tfjs-layers';
// tfjs 4.22's Minimum / Maximum / SquaredDifference gradients ignore broadcasting: replaced here.
import './gradientFixes';

export * as tf from '@tensorflow/tfjs-core';
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Scalar, Rank } from '@tensorflow/tfjs-core';
