export { ImageService, LOCAL_BASE_IMAGE, NODE_LTS_IMAGE } from './image-service.js';
export type { ImageServiceOptions } from './image-service.js';
export type { ImageProgress } from './progress.js';
export { chooseBin, resolveNpmVersion, stageNpmPackage } from './npm-staging.js';
export { MCPMAN_IMAGE_REPO, MCPMAN_ROOT, McpmanImages, mcpmanCommand } from './mcpman-image.js';
export { parseLdd, sharedLibraries } from './ldd.js';
export type { McpmanImagesOptions } from './mcpman-image.js';
export { hostPython, resolvePypi } from './python-packages.js';
export type { HostPython, PypiResolution } from './python-packages.js';
