// Calls a running session daemon over its control socket (see src/session/client.ts).
import { ControlClient } from '../session/client.js';
import { sessionName, socketPath } from '../session/runtime.js';

/** One call on a fresh connection; the connection is closed when the call ends. */
export async function callDaemon(name: string | undefined, method: string, params: Record<string, unknown>, onItem?: (item: unknown) => void, signal?: AbortSignal): Promise<unknown> {
  const session = sessionName(name);
  const client = await ControlClient.connect(socketPath(session), { session });
  try {
    return await client.call(method, params, { onItem, signal });
  } finally {
    client.close();
  }
}
