export { ImageService, LOCAL_BASE_IMAGE, NODE_LTS_IMAGE } from './image-service.js';
export type { ImageProgress, ImageServiceOptions } from './image-service.js';
export { chooseBin, resolveNpmVersion, stageNpmPackage } from './npm-staging.js';
export {
  MCPMAN_IMAGE_REPO,
  MCPMAN_ROOT,
  McpmanImages,
  mcpmanCommand,
  parseLdd,
  sharedLibraries,
} from './mcpman-image.js';
export type { McpmanImagesOptions } from './mcpman-image.js';
