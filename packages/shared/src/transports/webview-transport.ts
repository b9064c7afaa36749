import type { RpcRequest, RpcResponse, RpcTransport } from '../rpc.js';

/** What Podman Desktop's webview host offers a page (`acquirePodmanDesktopApi()`). */
export interface PodmanDesktopWebviewApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/**
 * The webview's carrier: requests go out with the host's postMessage, responses and events
 * come back as `message` events on the window.
 */
export class WebviewRpcTransport implements RpcTransport {
  constructor(
    private readonly host: PodmanDesktopWebviewApi,
    private readonly target: Pick<Window, 'addEventListener' | 'removeEventListener'>,
  ) {}

  send(request: RpcRequest): Promise<RpcResponse | undefined> {
    this.host.postMessage(request);
    return Promise.resolve(undefined);
  }

  onMessage(listener: (message: unknown) => void): () => void {
    const handler = (event: Event): void => {
      listener((event as MessageEvent).data);
    };
    this.target.addEventListener('message', handler);
    return () => {
      this.target.removeEventListener('message', handler);
    };
  }
}
