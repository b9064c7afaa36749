// Whether Podman Desktop's renderer shows a contributed container menu on a row, decided by its
// own code as lib/actions/ContributionActions.svelte does: the `when` clause against the shared
// context first, then against the row's container object under the `containerItem:` prefix.
import { ContextUI } from '/@/lib/context/context';
import { ContextKeyExpr } from '/@/lib/context/contextKey';
import { transformObjectToContext } from '/@/lib/context/ContextUtils';

export function shownFor(when: string | undefined, row: unknown, shared: Record<string, unknown>): boolean {
  if (when === undefined) return true;
  const expression = ContextKeyExpr.deserialize(when);
  const global = new ContextUI();
  for (const [key, value] of Object.entries(shared)) global.setValue(key, value);
  if (expression?.evaluate(global) === true) return true;
  return expression?.evaluate(transformObjectToContext(row, 'containerItem')) === true;
}
