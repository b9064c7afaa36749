/** Pages of the dashboard, addressed by the URL hash so reloads and the back button work. */
export type Route =
  | { readonly page: 'servers' }
  | { readonly page: 'server'; readonly name: string; readonly tab: string }
  | { readonly page: 'add' }
  | { readonly page: 'edit'; readonly name: string }
  | { readonly page: 'gateway' }
  | { readonly page: 'clients' }
  | { readonly page: 'catalog' };

/** A hash segment decoded, or as it is when it is not valid percent-encoding. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '')
    .map(decodeSegment);
  if (parts[0] === 'servers' && parts[1] === 'new') return { page: 'add' };
  if (parts[0] === 'servers' && parts[1] !== undefined && parts[2] === 'edit')
    return { page: 'edit', name: parts[1] };
  if (parts[0] === 'servers' && parts[1] !== undefined)
    return { page: 'server', name: parts[1], tab: parts[2] ?? 'summary' };
  if (parts[0] === 'gateway') return { page: 'gateway' };
  if (parts[0] === 'clients') return { page: 'clients' };
  if (parts[0] === 'catalog') return { page: 'catalog' };
  return { page: 'servers' };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'servers':
      return '#/servers';
    case 'server':
      return `#/servers/${encodeURIComponent(route.name)}/${route.tab}`;
    case 'add':
      return '#/servers/new';
    case 'edit':
      return `#/servers/${encodeURIComponent(route.name)}/edit`;
    case 'gateway':
      return '#/gateway';
    case 'clients':
      return '#/clients';
    case 'catalog':
      return '#/catalog';
  }
}

class Router {
  route = $state<Route>(parseRoute(window.location.hash));

  constructor() {
    window.addEventListener('hashchange', () => {
      this.route = parseRoute(window.location.hash);
    });
  }

  go(route: Route): void {
    window.location.hash = href(route);
  }
}

export const router = new Router();
