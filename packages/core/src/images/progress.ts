/** What an image step reports while it runs (pulling, building, installing a package). */
export interface ImageProgress {
  readonly phase: 'installing' | 'pulling' | 'building';
  readonly message: string;
  readonly current?: number;
  readonly total?: number;
}
