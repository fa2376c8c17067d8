// Calls a running session daemon over its control socket (see src/session/client.ts).
import { VnetError } from '../engine/errors.js';

export async function callDaemon(sessionName: string | undefined, method: string, _params: Record<string, unknown>, _onItem?: (item: unknown) => void, _signal?: AbortSignal): Promise<unknown> {
  throw Object.assign(new VnetError('EINVAL', `session "${sessionName ?? 'default'}" cannot be reached for ${method}: the session daemon is not built yet; use the library API or \`vnet demo\``), { exit: 3 });
}
