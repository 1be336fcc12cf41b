// The ImageNet weights a detector can start from: one published file per backbone preset, pinned by
// address, byte size and SHA-256. All are torchvision's (pytorch/vision, BSD-3-Clause licence),
// saved by `torch.save(model.state_dict())`.

export type PretrainedPreset = 'mobilenet_v2' | 'resnet18' | 'resnet50';

export interface PretrainedWeights {
  /** Stable name, stored with every run that starts from these weights. */
  id: string;
  preset: PretrainedPreset;
  /** As the user reads it. */
  title: string;
  /** The file's name in the cache, as published. */
  fileName: string;
  url: string;
  bytes: number;
  sha256: string;
  licence: string;
  /** Who published the file, and which of their weights it is. */
  source: string;
  /** ImageNet-1k top-1 accuracy the publisher reports, %. */
  imagenetTop1: number;
}

const TORCHVISION = 'https://download.pytorch.org/models/';

export const PRETRAINED: readonly PretrainedWeights[] = Object.freeze([
  {
    id: 'mobilenet_v2-imagenet1k-v2',
    preset: 'mobilenet_v2',
    title: 'MobileNetV2, ImageNet-1k',
    fileName: 'mobilenet_v2-7ebf99e0.pth',
    url: `${TORCHVISION}mobilenet_v2-7ebf99e0.pth`,
    bytes: 14_258_573,
    sha256: '7ebf99e03e254b273379b23edca7ec0da9f48273b23a332b93c1c99d49e86e8f',
    licence: 'BSD-3-Clause',
    source: 'torchvision (pytorch/vision), MobileNet_V2_Weights.IMAGENET1K_V2',
    imagenetTop1: 72.154,
  },
  {
    id: 'resnet18-imagenet1k-v1',
    preset: 'resnet18',
    title: 'ResNet-18, ImageNet-1k',
    fileName: 'resnet18-f37072fd.pth',
    url: `${TORCHVISION}resnet18-f37072fd.pth`,
    bytes: 46_830_571,
    sha256: 'f37072fd47e89c5e827621c5baffa7500819f7896bbacec160b1a16c560e07ec',
    licence: 'BSD-3-Clause',
    source: 'torchvision (pytorch/vision), ResNet18_Weights.IMAGENET1K_V1',
    imagenetTop1: 69.758,
  },
  {
    id: 'resnet50-imagenet1k-v1',
    preset: 'resnet50',
    title: 'ResNet-50, ImageNet-1k',
    fileName: 'resnet50-0676ba61.pth',
    url: `${TORCHVISION}resnet50-0676ba61.pth`,
    bytes: 102_530_333,
    sha256: '0676ba61b6795bbe1773cffd859882e5e297624d384b6993f7c9e683e722fb8a',
    licence: 'BSD-3-Clause',
    source: 'torchvision (pytorch/vision), ResNet50_Weights.IMAGENET1K_V1',
    imagenetTop1: 76.13,
  },
]);

/** The weights a preset starts from, or null for presets that train from scratch. */
export function pretrainedFor(preset: string): PretrainedWeights | null {
  return PRETRAINED.find((w) => w.preset === preset) ?? null;
}

export function pretrainedById(id: string): PretrainedWeights | null {
  return PRETRAINED.find((w) => w.id === id) ?? null;
}
