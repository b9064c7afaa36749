import { RpcError } from '@mcpman/shared';

export interface Toast {
  readonly id: number;
  readonly kind: 'error' | 'info' | 'success';
  readonly title: string;
  readonly body: string;
  readonly code: string | undefined;
}

let next = 1;

class Toasts {
  items = $state<Toast[]>([]);

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();

/** A notification in the corner; errors stay until dismissed, the rest go after a few seconds. */
export function notify(kind: Toast['kind'], title: string, body = '', code?: string): void {
  const toast: Toast = { id: next++, kind, title, body, code };
  toasts.items = [...toasts.items, toast].slice(-5);
  if (kind !== 'error')
    setTimeout(() => {
      toasts.dismiss(toast.id);
    }, 4000);
}

/** A failed action, with the manager's message and error code. */
export function notifyError(title: string, error: unknown): void {
  const failure = RpcError.from(error);
  notify('error', title, failure.message, failure.code);
}
