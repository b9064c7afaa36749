/** Text as an image repository name component: lowercase, `[a-z0-9._-]`, no leading or trailing `-`. */
export function repoSafe(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
