// The messages between the trainer and its GPU page (carried by `wire` frames over a WebSocket).
import type { ReplicaRequest } from './replica';

export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  software: boolean;
}

export type FromGpuPage =
  | { type: 'hello'; adapter: GpuAdapterInfo | null; error: string | null }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'lost'; message: string };

export interface ToGpuPage {
  id: number;
  req: ReplicaRequest;
}
