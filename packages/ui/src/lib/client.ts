import { HttpRpcTransport, RpcClient, WebviewRpcTransport } from '@mcpman/shared';
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
  return http;
}

/** The one client: the UI never talks to Podman, only to this. */
export const client = new RpcClient(transport());
export const api = client.api;
