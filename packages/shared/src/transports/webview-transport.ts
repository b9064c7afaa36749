import type { RpcRequest, RpcResponse, RpcTransport } from '../rpc.js';

/** What Podman Desktop's webview host offers a page (`acquirePodmanDesktopApi()`). */
export interface PodmanDesktopWebviewApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** The window, as far as this transport needs it. */
export interface MessageTarget {
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
}

/**
 * The webview's carrier: requests go out with the host's postMessage, responses and events
 * come back as `message` events on the window.
 */
export class WebviewRpcTransport implements RpcTransport {
  constructor(
    private readonly host: PodmanDesktopWebviewApi,
    private readonly target: MessageTarget,
  ) {}

  send(request: RpcRequest): Promise<RpcResponse | undefined> {
    this.host.postMessage(request);
    return Promise.resolve(undefined);
  }

  onMessage(listener: (message: unknown) => void): () => void {
    const handler = (event: { readonly data: unknown }): void => {
      listener(event.data);
    };
    this.target.addEventListener('message', handler);
    return () => {
      this.target.removeEventListener('message', handler);
    };
  }
}
