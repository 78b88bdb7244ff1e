// Durability: fsync a file or a folder by its path (a folder after a file was linked or
// renamed into it, so the new name survives a power cut).
import { closeSync, fsyncSync, openSync } from 'node:fs';

export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
