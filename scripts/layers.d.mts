export const ROOT: string;
export interface Layer {
  readonly layer: string;
  readonly paths: readonly string[];
  readonly owns: string;
}
export const LAYERS: readonly Layer[];
export function layerOf(path: string): number;
export function importGraph(): { files: string[]; edges: { from: string; to: string }[] };
export function violations(): string[];
export function layerTable(): string;
