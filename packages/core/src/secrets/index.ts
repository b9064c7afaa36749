export { fillTemplates, readSecretValue, secretsInTemplates } from './secret-reader.js';
