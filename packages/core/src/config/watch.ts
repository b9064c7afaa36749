import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Disposable } from '@mcpman/protocol';

/** Calls `onChange` (debounced) when the config file is written, including by atomic rename. */
export function watchConfigFile(path: string, onChange: () => void, debounceMs = 300): Disposable {
  let timer: NodeJS.Timeout | undefined;
  const name = basename(path);
  // Watch the directory: editors and ConfigStore replace the file, which ends a file watch.
  const watcher: FSWatcher = watch(dirname(path), (_event, file) => {
    if (file !== name) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  return {
    dispose: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
