// COCO box evaluation (pycocotools-compatible) and per-image matching for the Review view. Pure: no I/O.
export { evaluate } from './cocoEval';
export {
  evaluateCoco,
  parseCocoDetections,
  parseCocoGroundTruth,
  type CocoCategory,
  type CocoEvalReport,
  type CocoGroundTruth,
} from './cocoJson';
export {
  matchImage,
  type ImageMatch,
  type MatchLabel,
  type MatchOptions,
  type MatchPrediction,
} from './imageMatching';
export { AREA_RANGES, IOU_THRESHOLDS, MAX_DETS, RECALL_THRESHOLDS } from './params';
export { boxIou } from './boxIou';
export { bestF1, type F1Point } from './bestF1';
export * from './types';
