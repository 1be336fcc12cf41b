// When a run validates, and on how many images: at most a twentieth of the run's time goes to
// validation, and a short run still gets several points on its mAP chart. The final validation uses
// every validation image; the points before it use a fixed, seeded subset sized to fit the share
// that is left (each point says how many images it used). A user's "every N steps" validates every
// image at every N steps instead. Validation never changes the model, so none of this affects the run.
import type { Snapshot } from '../training/protocol';
import { epochOrder } from './pipeline';

/** Share of the run's time that validation may take. */
export const VALIDATION_SHARE = 0.05;
/** Points on the chart before the final validation. */
export const INTERMEDIATE_POINTS = 5;
/** Fewest images a point may use (all of them when there are fewer). */
export const MIN_POINT_IMAGES = 8;
/** Until a validation has been timed: seconds per image, as a share of a training step per image. */
const FIRST_GUESS_SHARE = 0.5;

export interface ValidationPlanInput {
  totalSteps: number;
  /** Where the run (re)starts: points before it are not repeated. */
  fromStep: number;
  valImages: number;
  /** A user's cadence (every image, every N steps), or null for the plan above. */
  evalEvery: number | null;
  seed: number;
  /** Images per training step (for the first guess of the cost of one validation image). */
  batchSize: number;
}

export class ValidationPlan {
  readonly points: number[];
  #spentSec = 0;
  #imagesTimed = 0;
  #lastStepSec = 0;

  constructor(private readonly input: ValidationPlanInput) {
    const { totalSteps, evalEvery } = input;
    if (input.valImages === 0) this.points = [];
    else if (evalEvery !== null) {
      this.points = [];
      for (let s = evalEvery; s < totalSteps; s += evalEvery) this.points.push(s);
    } else {
      const points = new Set<number>();
      for (let i = 1; i <= INTERMEDIATE_POINTS; i++) {
        const s = Math.round((totalSteps * i) / (INTERMEDIATE_POINTS + 1));
        if (s > 0 && s < totalSteps) points.add(s);
      }
      this.points = [...points];
    }
  }

  /** Seconds one validation image takes: measured once a validation ran, else a first guess. */
  #perImageSec(stepSec: number): number {
    if (this.#imagesTimed > 0) return this.#spentSec / this.#imagesTimed;
    return (stepSec / this.input.batchSize) * FIRST_GUESS_SHARE;
  }

  /** How many images the validation after `step` uses, or null when none is due. */
  due(step: number, stepSec: number): number | null {
    this.#lastStepSec = stepSec;
    if (step <= this.input.fromStep || !this.points.includes(step)) return null;
    const V = this.input.valImages;
    if (this.input.evalEvery !== null) return V;
    const perImage = this.#perImageSec(stepSec);
    const runSec = this.input.totalSteps * stepSec;
    const left = VALIDATION_SHARE * runSec - this.#spentSec - V * perImage; // the final one is kept
    const pointsLeft = this.points.filter((p) => p >= step).length;
    const fits = Math.floor(left / (pointsLeft * perImage));
    const fewest = Math.min(V, MIN_POINT_IMAGES);
    // Below the fewest, the chart would show noise: the first point is kept anyway (a chart needs two).
    if (fits < fewest && this.#imagesTimed > 0) return null;
    return Math.min(V, Math.max(fewest, fits));
  }

  /** The first `count` images of a seeded order of the validation images: the same at every point. */
  images(val: Snapshot['val'], count: number): Snapshot['val'] {
    if (count >= val.length) return val;
    const order = epochOrder(val.length, this.input.seed, 0);
    return Array.from(order.subarray(0, count), (i) => val[i]!);
  }

  /** Records a validation's cost. */
  spent(sec: number, images: number): void {
    this.#spentSec += sec;
    this.#imagesTimed += images;
  }

  /** Seconds the validations after `step` will take (for the ETA), the final one included. */
  remainingSec(step: number): number {
    if (this.input.valImages === 0) return 0;
    const perImage = this.#perImageSec(this.#lastStepSec);
    const points = this.points.filter((p) => p > step).length;
    const perPoint = this.input.evalEvery !== null ? this.input.valImages : MIN_POINT_IMAGES;
    return (points * perPoint + this.input.valImages) * perImage;
  }
}
