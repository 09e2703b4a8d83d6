// Client-side routes on the History API; the server answers every non-API path with index.html. The current
// route is rune state: components read `router.route` and re-render when navigate() or back/forward change it.

export type Route =
  | { name: 'chat'; sessionId: string | null }
  | { name: 'settings' }
  | { name: 'login' };

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  const conversation = /^\/c\/([^/]+)$/.exec(path);
  if (conversation) {
    let id = conversation[1];
    try {
      id = decodeURIComponent(id);
    } catch {
      // keep the raw segment
    }
    return { name: 'chat', sessionId: id };
  }
  if (path === '/settings') return { name: 'settings' };
  if (path === '/login') return { name: 'login' };
  return { name: 'chat', sessionId: null };
}

export function routePath(route: Route): string {
  if (route.name === 'chat') return route.sessionId ? `/c/${encodeURIComponent(route.sessionId)}` : '/';
  return `/${route.name}`;
}

let current = $state.raw<Route>(typeof location === 'undefined' ? { name: 'chat', sessionId: null } : parseRoute(location.pathname));

/** The route shown (read-only: navigate() changes it). */
export const router = {
  get route(): Route {
    return current;
  },
};

export function navigate(to: Route, replace = false): void {
  const path = routePath(to);
  if (location.pathname !== path) history[replace ? 'replaceState' : 'pushState']({}, '', path);
  current = to;
}

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => (current = parseRoute(location.pathname)));
}
