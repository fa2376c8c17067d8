// Bounds on what one request may ask of a session, shared by the method table and the commands'
// help (kept apart from session.ts so a command can name them without loading the engine).

/** The most datagrams one `send` takes (--count): at a million the engine is busy about a second. */
export const MAX_SEND_COUNT = 1_000_000;
