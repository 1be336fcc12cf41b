// The evaluator's vocabulary. Plain data only, so results cross IPC and the trainer protocol as they are.

/** A box as COCO stores it, an array [left, top, width, height] in image pixels (the contract's
 * `BoxXYWH` is the same box as an object). */
export type CocoBoxXYWH = readonly [x: number, y: number, w: number, h: number];

export interface EvalImage {
  id: number;
}

export interface EvalGroundTruth {
  imageId: number;
  classId: number;
  box: CocoBoxXYWH;
  /** Decides the area bucket (COCO uses the annotation's `area`, which may be a mask area); default w*h. */
  area?: number;
  /** A crowd region: matched by intersection over the detection's area, never counted as a miss. */
  iscrowd?: boolean;
}

export interface EvalDetection {
  imageId: number;
  classId: number;
  box: CocoBoxXYWH;
  score: number;
}

/** Everything `evaluate` needs, already in memory: the training loop calls it without any JSON. */
export interface EvalInput {
  images: readonly EvalImage[];
  gts: readonly EvalGroundTruth[];
  dets: readonly EvalDetection[];
  /** The classes to score; a class without ground truth scores -1 and is left out of the means. */
  classIds: readonly number[];
}

export const SUMMARY_KEYS = [
  'AP',
  'AP50',
  'AP75',
  'APs',
  'APm',
  'APl',
  'AR1',
  'AR10',
  'AR100',
  'ARs',
  'ARm',
  'ARl',
] as const;

export type SummaryKey = (typeof SUMMARY_KEYS)[number];

/** pycocotools' `stats`, in its order, named as its summary lines read; -1 where nothing could be scored. */
export type CocoSummary = Record<SummaryKey, number>;

/** The precision-recall points of one class at IoU 0.5 (area all, 100 detections), in score order. */
export interface RawPrCurve {
  recall: number[];
  precision: number[];
  /** The score of the detection that adds each point: where a score threshold lands on the curve. */
  score: number[];
}

export interface PrCurve {
  /** Interpolated precision at each of the 101 recall thresholds (`recallThresholds`), IoU 0.5. */
  precision50: number[];
  /** The same, averaged over the ten IoU thresholds 0.50:0.95: its mean is the class AP. */
  precisionMean: number[];
  raw50: RawPrCurve;
}

export interface ClassResult {
  classId: number;
  /** Ground truth boxes that count (crowd regions excluded). */
  numGt: number;
  numDets: number;
  AP: number;
  AP50: number;
  /** Null for a class without ground truth (its AP is -1). */
  curve: PrCurve | null;
}

export interface CocoEvalResult {
  summary: CocoSummary;
  perClass: ClassResult[];
  /** The x axis shared by every `PrCurve`'s interpolated arrays. */
  recallThresholds: readonly number[];
  iouThresholds: readonly number[];
}
