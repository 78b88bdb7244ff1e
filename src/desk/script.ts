// The desk window's script (src/desk/client/, bundled by esbuild) as text for the server to
// serve. The one-file toolkit has it compiled in (scripts/build-offline.ts defines
// __TIPLINE_DESK_SCRIPT__); `npm run desk` (scripts/desk.ts) builds it at start and registers it.
declare const __TIPLINE_DESK_SCRIPT__: string | undefined;

let registered: string | undefined;

export function registerDeskScript(code: string): void {
  registered = code;
}

/** The bundled window script, or undefined when neither the toolkit nor scripts/desk.ts provided it. */
export function deskScript(): string | undefined {
  return typeof __TIPLINE_DESK_SCRIPT__ === 'string' ? __TIPLINE_DESK_SCRIPT__ : registered;
}
