import { HttpRpcTransport, RpcClient, RpcError, WebviewRpcTransport } from '@mcpman/shared';
import { access, isAuthFailure } from './access.svelte.js';
import type { PodmanDesktopWebviewApi, RpcTransport } from '@mcpman/shared';

declare global {
  /** Present only inside a Podman Desktop webview. */
  function acquirePodmanDesktopApi(): PodmanDesktopWebviewApi;
}

const TOKEN_KEY = 'mcpman.token';

/** True inside Podman Desktop, false in the browser dashboard. */
export const inWebview = typeof globalThis.acquirePodmanDesktopApi === 'function';

export function storedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function storeToken(token: string): void {
  if (token === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/**
 * `#key=…`, as `mcpman dashboard` and `mcpman up` give the URL: this run's key, kept for this tab
 * (like a token) and taken out of the address bar at once, so it is not bookmarked or shared.
 */
function takeKeyFromUrl(): void {
  const match = /^#key=([A-Za-z0-9_-]{16,})$/.exec(window.location.hash);
  if (match?.[1] === undefined) return;
  storeToken(match[1]);
  history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/servers`);
}

if (!inWebview) takeKeyFromUrl();

const streamListeners = new Set<(open: boolean) => void>();

/** Hear when the browser's event stream drops and comes back (the webview has none to lose). */
export function onStreamState(listener: (open: boolean) => void): void {
  streamListeners.add(listener);
}

function transport(): RpcTransport {
  if (inWebview) return new WebviewRpcTransport(acquirePodmanDesktopApi(), window);
  const http = new HttpRpcTransport({ baseUrl: window.location.origin, token: storedToken });
  http.onStreamState = (open) => {
    for (const listener of streamListeners) listener(open);
  };
  return {
    // Any call the manager refuses for want of a token or this run's key: the page asks for one.
    send: async (request) => {
      const response = await http.send(request);
      if (response?.ok === false) {
        const error = new RpcError(response.error);
        if (isAuthFailure(error)) access.refused = error;
      }
      return response;
    },
    onMessage: (listener) => http.onMessage(listener),
  };
}

/** The one client: the UI never talks to Podman, only to this. */
export const client = new RpcClient(transport());
export const api = client.api;
