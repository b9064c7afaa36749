export { writeFileAtomic } from './atomic-write.js';
export type { AtomicWriteOptions } from './atomic-write.js';
export { DisposableStore, toDisposable } from './disposable.js';
export type { Disposable } from './disposable.js';
export { defaultStateDir, managerStateDir, serverLogDir } from './state-dir.js';
export { REDACTED, Redactor, secretRedactor } from './redactor.js';
export { Cancellation } from './cancellation.js';
export { limitedText } from './limited-body.js';
export { loopbackOrHttps } from './url-safety.js';
