import { z } from 'zod';
import { method } from './define';

// Coordinates say their format in their name: BoxXYWH is COCO-style [x, y, w, h] in image pixels of the
// image as displayed (EXIF orientation applied).

export const ImageStatus = z.enum(['unlabeled', 'labeled', 'reviewed']);
export type ImageStatus = z.infer<typeof ImageStatus>;
export const Split = z.enum(['train', 'val']);
export type Split = z.infer<typeof Split>;
export const BoxSource = z.enum(['manual', 'model']);
export type BoxSource = z.infer<typeof BoxSource>;

const Id = z.number().int().positive();
/** A path on the main side's machine: absolute (POSIX `/…`, Windows `C:\…` or `\\server\…`), never relative
 * to wherever the app or server happened to start. */
export const AbsPath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, 'an absolute path (a full path from the root of the disk)');
const Color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a color is #rrggbb');
const Hotkey = z
  .string()
  .regex(/^[0-9a-z]$/, 'a hotkey is one digit or lower-case letter')
  .nullable();
const Finite = z.number().finite();

export const ProjectInfo = z.object({
  /** Absolute path of the *.dwproj file. */
  path: z.string(),
  name: z.string(),
  /** Absolute path of the sibling data folder (thumbnails, checkpoints, models). */
  dataDir: z.string(),
  imageCount: z.number().int(),
  classCount: z.number().int(),
  boxCount: z.number().int(),
  schemaVersion: z.number().int(),
});
export type ProjectInfo = z.infer<typeof ProjectInfo>;

export const RecentProject = z.object({
  path: z.string(),
  name: z.string(),
  openedAt: z.string(),
  exists: z.boolean(),
});
export type RecentProject = z.infer<typeof RecentProject>;

export const ClassInfo = z.object({
  id: Id,
  name: z.string(),
  color: Color,
  hotkey: Hotkey,
  boxCount: z.number().int(),
});
export type ClassInfo = z.infer<typeof ClassInfo>;

export const ImageInfo = z.object({
  id: Id,
  /** Path relative to the project file when the image is below it, else absolute. */
  path: z.string(),
  fileName: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  status: ImageStatus,
  split: Split,
  boxCount: z.number().int(),
  predictionCount: z.number().int(),
  /** Set when the file is missing or unreadable: a flag to show, never a reason to fail. */
  problem: z.string().nullable(),
  /** Model uncertainty from the latest prediction run (higher = label it sooner), null if never predicted. */
  uncertainty: z.number().nullable(),
  /**
   * The boxes a thumbnail draws: [classId, x, y, w, h] per box, flat, in image pixels (rounded to a
   * tenth), at most PREVIEW_BOXES of them (the first ones saved).
   */
  preview: z.array(z.number()),
});
export type ImageInfo = z.infer<typeof ImageInfo>;

export const BoxXYWH = z.object({ x: Finite, y: Finite, w: Finite.positive(), h: Finite.positive() });
export type BoxXYWH = z.infer<typeof BoxXYWH>;

export const Box = BoxXYWH.extend({
  id: Id,
  classId: Id,
  source: BoxSource,
  /** The model's score for boxes accepted from a prediction, else null. */
  score: z.number().nullable(),
});
export type Box = z.infer<typeof Box>;

export const BoxInput = BoxXYWH.extend({
  classId: Id,
  source: BoxSource.default('manual'),
  score: z.number().min(0).max(1).nullable().default(null),
});
export type BoxInput = z.input<typeof BoxInput>;

/** Boxes a thumbnail draws at most (a preview, not the labels: the image itself shows them all). */
export const PREVIEW_BOXES = 100;

/** One edit of one image's boxes, by id: every box not named keeps its id and its values. */
export const BoxEdit = z
  .object({
    imageId: Id,
    /** New boxes; `id` asks for that id back (undo of a delete), granted when no box holds it. */
    add: z
      .array(BoxInput.extend({ id: Id.optional() }))
      .max(10_000)
      .default([]),
    /** New geometry and class of existing boxes (their source and score stay). */
    update: z
      .array(BoxXYWH.extend({ id: Id, classId: Id }))
      .max(10_000)
      .default([]),
    delete: z.array(Id).max(10_000).default([]),
  })
  .strict();
export type BoxEdit = z.input<typeof BoxEdit>;

export const BoxEditResult = z.object({
  /** The added boxes as saved (clipped to the image, with their ids), in the order given. */
  added: z.array(Box),
  /** The updated boxes as saved, in the order given. */
  updated: z.array(Box),
  /** The image's row after the edit (box count, status, thumbnail preview). */
  image: ImageInfo,
});
export type BoxEditResult = z.infer<typeof BoxEditResult>;

export const ImageFilter = z
  .object({
    status: ImageStatus.optional(),
    split: Split.optional(),
    classId: Id.optional(),
    hasPredictions: z.boolean().optional(),
    hasProblem: z.boolean().optional(),
    /** Images whose file has the same content (bytes) as another image of the project. */
    duplicates: z.boolean().optional(),
    /** Case-insensitive substring of the file name. */
    search: z.string().max(200).optional(),
  })
  .strict();
export type ImageFilter = z.infer<typeof ImageFilter>;

export const ImageOrder = z.enum(['name', 'added', 'uncertainty']);
export type ImageOrder = z.infer<typeof ImageOrder>;

export const ImagePage = z.object({
  total: z.number().int(),
  offset: z.number().int(),
  items: z.array(ImageInfo),
});
export type ImagePage = z.infer<typeof ImagePage>;

const PathReason = z.object({ path: z.string(), reason: z.string() });

export const AddImagesResult = z.object({
  added: z.number().int(),
  duplicates: z.array(z.object({ path: z.string(), sameAs: z.string() })),
  failed: z.array(PathReason),
  /** Added, but not as written: a JPEG short at its end, shown as browsers show it. */
  warnings: z.array(PathReason),
});
export type AddImagesResult = z.infer<typeof AddImagesResult>;

export const DatasetFormat = z.enum(['coco', 'voc', 'yolo']);
export type DatasetFormat = z.infer<typeof DatasetFormat>;

/** What a project exports as: the dataset formats, or a package for the official DW code (mmdetection). */
export const ExportFormat = z.enum([...DatasetFormat.options, 'mmdet-dw']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/**
 * The run an `mmdet-dw` export sets up on a GPU cluster. The defaults are the official recipe
 * (`configs/dw_r50_fpn_1x_coco.py`): refinement on, 1333 × 800, 12 epochs, 8 GPUs × 2 images.
 */
export const MmdetDwSettings = z
  .object({
    refine: z.boolean().default(true),
    /** Long side of the images in pixels; null: the official scale, 1333 × 800 (long × short). */
    size: z.number().int().min(64).max(4096).multipleOf(32).nullable().default(null),
    epochs: z.number().int().min(1).max(1000).default(12),
    gpus: z.number().int().min(1).max(1024).default(8),
    imagesPerGpu: z.number().int().min(1).max(64).default(2),
  })
  .strict();
export type MmdetDwSettings = z.infer<typeof MmdetDwSettings>;

/**
 * What an import does to images the project already has: keep them as they are (the default), replace
 * their boxes (and split) with the imported ones, or merge: add each imported box unless one of the
 * same class already overlaps it at IoU ≥ 0.95.
 */
export const ExistingChoice = z.enum(['keep', 'replace', 'merge']);
export type ExistingChoice = z.infer<typeof ExistingChoice>;

/** What one choice does to the images already in the project. */
export const ChoiceEffect = z.object({
  /** Images whose boxes (or split) it changes. */
  changed: z.number().int(),
  added: z.number().int(),
  removed: z.number().int(),
});
export type ChoiceEffect = z.infer<typeof ChoiceEffect>;

/** An image of the dataset whose bytes are those of an earlier one (or of an image of the project). */
export const ImportDuplicate = z.object({ path: z.string(), sameAs: z.string() });
export type ImportDuplicate = z.infer<typeof ImportDuplicate>;

const Unsupported = z.array(z.object({ what: z.string(), count: z.number().int() }));

/** What an import would do, read and checked, before anything changes. */
export const ImportPreview = z.object({
  format: DatasetFormat,
  /** In the dataset. */
  images: z.number().int(),
  boxes: z.number().int(),
  classes: z.number().int(),
  /** Images not in the project yet, and their boxes: added whatever the choice. */
  newImages: z.number().int(),
  newBoxes: z.number().int(),
  existing: z.object({
    /** Images of the dataset the project has already (same path, or same content). */
    found: z.number().int(),
    /** The dataset's boxes on them. */
    boxes: z.number().int(),
    keep: ChoiceEffect,
    replace: ChoiceEffect,
    merge: ChoiceEffect,
  }),
  duplicates: z.array(ImportDuplicate),
  unsupported: Unsupported,
  warnings: z.array(z.string()),
});
export type ImportPreview = z.infer<typeof ImportPreview>;

export const ImportReport = z.object({
  format: DatasetFormat,
  /** Images added to the project, and boxes added to it (on those and on images it had). */
  images: z.number().int(),
  boxes: z.number().int(),
  classes: z.number().int(),
  /** Images of the dataset the project had already, the dataset's boxes on them, and what was done. */
  existing: ChoiceEffect.extend({ found: z.number().int(), boxes: z.number().int(), choice: ExistingChoice }),
  /** Images kept although their bytes repeat another image's: each keeps its own boxes. */
  duplicates: z.array(ImportDuplicate),
  /** Content the app does not model (polygons, crowd regions, keypoints...), counted, never dropped silently. */
  unsupported: Unsupported,
  warnings: z.array(z.string()),
  /** Passed to dataset.undoImport to take the whole import back; null when it changed nothing. */
  undoId: z.number().int().nullable(),
});
export type ImportReport = z.infer<typeof ImportReport>;

export const ImportUndone = z.object({
  /** Images the import added, removed again; images it changed, restored. */
  removed: z.number().int(),
  restored: z.number().int(),
  /** Classes it created that something now uses, so they stay. */
  keptClasses: z.number().int(),
});
export type ImportUndone = z.infer<typeof ImportUndone>;

export const ExportReport = z.object({
  format: ExportFormat,
  dir: z.string(),
  images: z.number().int(),
  boxes: z.number().int(),
  files: z.number().int(),
  /** Project images not exported (unlabeled ones unless `include: 'all'`, and those whose file is missing). */
  skipped: z.number().int(),
  warnings: z.array(z.string()),
  /** The file to read first (mmdet-dw: the README with the commands), else null. */
  guide: z.string().nullable(),
  /** mmdet-dw: the config file, else null. */
  config: z.string().nullable(),
});
export type ExportReport = z.infer<typeof ExportReport>;

export const ProjectStats = z.object({
  images: z.object({
    total: z.number().int(),
    unlabeled: z.number().int(),
    labeled: z.number().int(),
    reviewed: z.number().int(),
    train: z.number().int(),
    val: z.number().int(),
    withProblems: z.number().int(),
  }),
  boxesPerClass: z.array(
    z.object({ classId: Id, name: z.string(), train: z.number().int(), val: z.number().int() }),
  ),
});
export type ProjectStats = z.infer<typeof ProjectStats>;

const Ids = z.array(Id).min(1).max(100_000);

const DatasetSource = z.object({
  format: DatasetFormat,
  path: AbsPath,
  /** COCO only: the folder its file_name entries are relative to (default: beside the json, or images/). */
  imagesDir: AbsPath.optional(),
});
const Empty = z.object({}).strict();
const Done = z.null();

export const projectMethods = {
  'project.create': method(
    z.object({ path: AbsPath, name: z.string().min(1).max(200).optional() }).strict(),
    ProjectInfo,
    'Create a project file (*.dwproj) and its data folder, and open it.',
  ),
  'project.open': method(z.object({ path: AbsPath }).strict(), ProjectInfo, 'Open a project file.'),
  'project.openSample': method(
    Empty,
    ProjectInfo,
    'Open the sample project (8 labeled blood-cell images), creating it in the user folder on first use.',
  ),
  'project.close': method(Empty, Done, 'Close the open project.'),
  'project.current': method(Empty, ProjectInfo.nullable(), 'The open project, or null.'),
  'project.recent': method(Empty, z.array(RecentProject), 'Recently opened projects, newest first.'),
  'project.stats': method(Empty, ProjectStats, 'Image and box counts by status, split and class.'),

  'images.add': method(
    z.object({ paths: z.array(AbsPath).min(1).max(100_000), recursive: z.boolean().default(true) }).strict(),
    AddImagesResult,
    'Add image files or folders (JPEG, PNG, WebP, BMP, TIFF); reports duplicates and unreadable files.',
  ),
  'files.kind': method(
    z.object({ path: AbsPath }).strict(),
    z.enum(['file', 'folder', 'missing']),
    'What is at a path: a file, a folder, or nothing (checked before a project is made from it).',
  ),
  'images.list': method(
    z
      .object({
        filter: ImageFilter.default({}),
        order: ImageOrder.default('name'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    ImagePage,
    'One page of images matching a filter, with box counts.',
  ),
  'images.get': method(
    z.object({ id: Id }).strict(),
    ImageInfo,
    'One image, with its box and prediction counts.',
  ),
  'images.rows': method(
    z.object({ ids: z.array(Id).min(1).max(1000) }).strict(),
    z.array(ImageInfo),
    'The rows of some images (those of them that exist), as the Library shows them.',
  ),
  'images.locate': method(
    z.object({ id: Id, filter: ImageFilter.default({}), order: ImageOrder.default('name') }).strict(),
    z.object({ index: z.number().int().nullable() }),
    "An image's position in a filtered, ordered list (null: the filter leaves it out).",
  ),
  'images.setStatus': method(
    z.object({ ids: Ids, status: ImageStatus }).strict(),
    Done,
    'Set the status of images.',
  ),
  'images.setSplit': method(z.object({ ids: Ids, split: Split }).strict(), Done, 'Move images to a split.'),
  'images.assignSplits': method(
    z
      .object({ valFraction: z.number().min(0).max(0.9).default(0.2), seed: z.number().int().default(0) })
      .strict(),
    z.object({ train: z.number().int(), val: z.number().int() }),
    'Reassign every image to train or val, reproducibly from the seed.',
  ),
  'images.remove': method(
    z.object({ ids: Ids }).strict(),
    Done,
    'Remove images (and their boxes) from the project; files are not touched.',
  ),

  'boxes.get': method(z.object({ imageId: Id }).strict(), z.array(Box), 'The labeled boxes of one image.'),
  'boxes.edit': method(
    BoxEdit,
    BoxEditResult,
    'Add, update and delete boxes of one image by id, in one transaction; other boxes keep their ids.',
  ),
  'boxes.replace': method(
    z.object({ imageId: Id, boxes: z.array(BoxInput).max(10_000) }).strict(),
    z.array(Box),
    'Replace all the labeled boxes of one image in one transaction (new ids); for bulk writes.',
  ),

  'classes.list': method(Empty, z.array(ClassInfo), 'Classes with their box counts.'),
  'classes.add': method(
    z
      .object({ name: z.string().trim().min(1).max(100), color: Color.optional(), hotkey: Hotkey.optional() })
      .strict(),
    ClassInfo,
    'Add a class.',
  ),
  'classes.update': method(
    z
      .object({
        id: Id,
        name: z.string().trim().min(1).max(100).optional(),
        color: Color.optional(),
        hotkey: Hotkey.optional(),
      })
      .strict(),
    ClassInfo,
    'Rename, recolor or set the hotkey of a class.',
  ),
  'classes.merge': method(
    z.object({ sourceId: Id, targetId: Id }).strict(),
    Done,
    'Move every box of the source class to the target class, then delete the source.',
  ),
  'classes.delete': method(
    z
      .object({ id: Id, boxes: z.enum(['delete', 'reassign']), reassignTo: Id.optional() })
      .strict()
      .refine((v) => v.boxes !== 'reassign' || v.reassignTo !== undefined, 'reassign needs reassignTo'),
    Done,
    'Delete a class; its boxes are deleted or reassigned, as the caller chose explicitly.',
  ),

  'dataset.preview': method(
    DatasetSource.strict(),
    ImportPreview,
    'Read and check a dataset, and count what importing it would do with each choice; changes nothing.',
  ),
  'dataset.import': method(
    DatasetSource.extend({ existing: ExistingChoice.default('keep') }).strict(),
    ImportReport,
    'Import a COCO json, a Pascal VOC folder or a YOLO dataset, atomically.',
  ),
  'dataset.undoImport': method(
    z.object({ id: Id }).strict(),
    ImportUndone,
    'Take back a whole import of this session, unless an image it touched was changed since.',
  ),
  'dataset.export': method(
    z
      .object({
        format: ExportFormat,
        dir: AbsPath,
        /** 'labeled' leaves out unlabeled images without boxes, which other tools would read as negatives. */
        include: z.enum(['labeled', 'all']).default('labeled'),
        /** The run an mmdet-dw export sets up (only with that format). */
        mmdet: MmdetDwSettings.optional(),
      })
      .strict(),
    ExportReport,
    'Export boxes, classes and splits as COCO, Pascal VOC or YOLO, or as a package for the official DW code.',
  ),
};
