// A connected worker for TaskRun tests: its peer records what the manager sends (a batch of tasks
// counts as its tasks, one by one) and lets the test speak for the worker.
import type { ConnectedWorker } from '../../../../src/runtime/manager/listener';

export function fakeWorker(id: string) {
  let handlers: { onMessage(m: Record<string, unknown>): void; onClose(reason: string): void } | undefined;
  const sent: Record<string, unknown>[] = [];
  let closed: string | undefined;
  const peer = {
    remote: 'test',
    isOpen: true,
    setHandlers: (h: typeof handlers) => (handlers = h),
    send: (m: Record<string, unknown>) =>
      void (m.t === 'tasks' ? sent.push(...(m.tasks as Record<string, unknown>[])) : sent.push(m)),
    close: (reason: string) => {
      closed = reason;
      handlers?.onClose(reason);
    },
    end: () => undefined,
  };
  const worker = { id, label: id, address: '127.0.0.1', peer } as unknown as ConnectedWorker;
  return { worker, sent, say: (m: Record<string, unknown>) => handlers!.onMessage(m), closed: () => closed };
}
