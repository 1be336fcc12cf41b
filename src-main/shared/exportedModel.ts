// A trained model as it leaves the app: the files of its folder and what its settings file says.
// The app writes them (`dw-studio export-model`); the JavaScript module shipped beside them reads them.
import { INFERENCE_HYPER, type InferenceHyper } from './inference';
import { PAD_DIVISOR, PIXEL_MEAN, PIXEL_STD } from './networkInput';

/** The network: TensorFlow.js's model.json (a standard `weightsManifest`) and its weight shards. */
export const EXPORTED_MODEL_FILE = 'model.json';
export const EXPORTED_MODEL_FORMAT = 'dw-studio-detector';
/** Pre- and post-processing, class names. */
export const EXPORTED_SETTINGS_FILE = 'detector.json';
export const EXPORTED_SETTINGS_FORMAT = 'dw-studio-detector-settings/1';
/** The module that loads both and returns boxes (ESM, Node and browsers). */
export const EXPORTED_MODULE_FILE = 'detector.mjs';
/** Shard size of tfjs-converter's default, so loaders that fetch shards in parallel do so here too. */
export const WEIGHT_SHARD_BYTES = 4 * 1024 * 1024;

export function shardName(index: number, count: number): string {
  return `group1-shard${index + 1}of${count}.bin`;
}

/** What detector.json holds: everything a program needs to feed the network and read its output. */
export interface ExportedSettings {
  format: typeof EXPORTED_SETTINGS_FORMAT;
  /** The model's name in the project, and its id there. */
  name: string;
  modelId: number;
  /** Class names, by the network's class index. */
  classes: string[];
  input: {
    /** The long side an image is resized to, in pixels. */
    size: number;
    resize: string;
    /** Padding bottom and right up to a multiple of this (at most `size`), with zeros after normalising. */
    padToMultipleOf: number;
    layout: 'NHWC';
    channels: 'RGB';
    /** (value − mean) / std per channel, values 0–255. */
    mean: number[];
    std: number[];
  };
  output: {
    /** 'dw': score σ(cls)·σ(centerness) thresholded and reported; 'fcos': thresholded on σ(cls). */
    scoreRule: 'dw' | 'fcos';
    scoreThreshold: number;
    /** (point, class) pairs kept per FPN level before NMS. */
    nmsPre: number;
    /** Class-wise NMS: a box is dropped when its IoU with a better one of its class is above this. */
    nmsIou: number;
    maxPerImage: number;
    boxes: string;
  };
}

export function exportedSettings(model: {
  id: number;
  name: string;
  classes: readonly string[];
  inputSize: number;
  assigner: 'dw' | 'fcos';
  hyper?: InferenceHyper;
}): ExportedSettings {
  const hyper = model.hyper ?? INFERENCE_HYPER;
  return {
    format: EXPORTED_SETTINGS_FORMAT,
    name: model.name,
    modelId: model.id,
    classes: [...model.classes],
    input: {
      size: model.inputSize,
      resize:
        'long side to `size`, aspect ratio kept, rounded to whole pixels; a triangle filter as wide as ' +
        'the reduction, pixel centres at +0.5, edge pixels repeated (resizeRgb in the module)',
      padToMultipleOf: PAD_DIVISOR,
      layout: 'NHWC',
      channels: 'RGB',
      mean: [...PIXEL_MEAN],
      std: [...PIXEL_STD],
    },
    output: {
      scoreRule: model.assigner,
      scoreThreshold: hyper.scoreThreshold,
      nmsPre: hyper.nmsPre,
      nmsIou: hyper.nmsIou,
      maxPerImage: hyper.maxPerImage,
      boxes: 'x, y, width, height in pixels of the image as given, best score first',
    },
  };
}
