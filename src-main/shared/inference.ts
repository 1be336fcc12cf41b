// How detections are picked from the network's dense scores at test time (SPEC §7 for DW, §8 for
// FCOS): what the trainer's post-processing applies and what an exported model's settings state.

/** Test-time filtering (SPEC §7 for DW, §8 for FCOS). */
export interface InferenceHyper {
  /** Keep (point, class) pairs whose filter score is strictly greater. */
  scoreThreshold: number;
  /** At most this many (point, class) pairs per level before NMS. */
  nmsPre: number;
  /** Class-wise NMS suppresses a box whose IoU with a kept box is strictly greater. */
  nmsIou: number;
  maxPerImage: number;
}

export const INFERENCE_HYPER: Readonly<InferenceHyper> = Object.freeze({
  scoreThreshold: 0.05,
  nmsPre: 1000,
  nmsIou: 0.6,
  maxPerImage: 100,
});
