import { describe, expect, it } from 'vitest';
import {
  INTERMEDIATE_POINTS,
  MIN_POINT_IMAGES,
  VALIDATION_SHARE,
  ValidationPlan,
} from '../../../src-main/trainer/validationPlan';

const val = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    path: `${i}.jpg`,
    width: 8,
    height: 8,
    boxes: [],
    labels: [],
  }));

/** Drives a plan through a run whose validation images each cost `perImageSec`, as measured. */
function simulate(plan: ValidationPlan, totalSteps: number, stepSec: number, perImageSec: number, V: number) {
  const points: Array<{ step: number; images: number }> = [];
  let spent = 0;
  for (let step = 1; step < totalSteps; step++) {
    const n = plan.due(step, stepSec);
    if (n === null) continue;
    points.push({ step, images: n });
    plan.spent(n * perImageSec, n);
    spent += n * perImageSec;
  }
  spent += V * perImageSec; // the final validation, every image
  return { points, spent, runSec: totalSteps * stepSec };
}

describe('when a run validates, and on how many images', () => {
  it('a 15-minute run: several points on a subset, all within a twentieth of the run with the final one', () => {
    const plan = new ValidationPlan({
      totalSteps: 700,
      fromStep: 0,
      valImages: 67,
      evalEvery: null,
      seed: 0,
      batchSize: 4,
    });
    const { points, spent, runSec } = simulate(plan, 700, 1.2, 0.08, 67);
    expect(points.length).toBe(INTERMEDIATE_POINTS);
    expect(points.every((p) => p.images >= MIN_POINT_IMAGES && p.images <= 67)).toBe(true);
    expect(spent).toBeLessThanOrEqual(VALIDATION_SHARE * runSec + 1e-9);
  });

  it('a 3-minute run still gets several points, on fewer images', () => {
    const plan = new ValidationPlan({
      totalSteps: 140,
      fromStep: 0,
      valImages: 67,
      evalEvery: null,
      seed: 0,
      batchSize: 4,
    });
    const { points, spent, runSec } = simulate(plan, 140, 1.2, 0.08, 67);
    expect(points.length).toBeGreaterThanOrEqual(3);
    expect(points[0]!.images).toBeLessThan(67);
    expect(spent).toBeLessThanOrEqual(VALIDATION_SHARE * runSec * 1.5);
  });

  it('drops points rather than overspend when validation is dearer than guessed', () => {
    const plan = new ValidationPlan({
      totalSteps: 300,
      fromStep: 0,
      valImages: 200,
      evalEvery: null,
      seed: 0,
      batchSize: 4,
    });
    const { points, spent, runSec } = simulate(plan, 300, 1, 0.5, 200);
    expect(points.length).toBeGreaterThanOrEqual(1); // a chart needs two points: this one and the end
    expect(points.length).toBeLessThan(INTERMEDIATE_POINTS);
    // The first point is kept even so; after it, none is added that would not fit.
    expect(spent - points[0]!.images * 0.5).toBeLessThanOrEqual(VALIDATION_SHARE * runSec + 200 * 0.5);
  });

  it("validates every image every N steps when the user says so, and nothing before a resume's start", () => {
    const plan = new ValidationPlan({
      totalSteps: 1000,
      fromStep: 400,
      valImages: 30,
      evalEvery: 200,
      seed: 0,
      batchSize: 4,
    });
    expect(plan.points).toEqual([200, 400, 600, 800]);
    expect(plan.due(200, 1)).toBeNull();
    expect(plan.due(400, 1)).toBeNull();
    expect(plan.due(600, 1)).toBe(30);
    expect(plan.due(601, 1)).toBeNull();
  });

  it('uses the same seeded subset at every point, and all images when asked for as many', () => {
    const plan = new ValidationPlan({
      totalSteps: 100,
      fromStep: 0,
      valImages: 20,
      evalEvery: null,
      seed: 3,
      batchSize: 4,
    });
    const a = plan.images(val(20), 8).map((im) => im.id);
    expect(plan.images(val(20), 8).map((im) => im.id)).toEqual(a);
    expect(new Set(a).size).toBe(8);
    expect(plan.images(val(20), 20)).toHaveLength(20);
    expect(
      new ValidationPlan({
        totalSteps: 100,
        fromStep: 0,
        valImages: 0,
        evalEvery: null,
        seed: 0,
        batchSize: 4,
      }).points,
    ).toEqual([]);
  });
});
