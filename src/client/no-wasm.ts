// Where WebAssembly is disabled (Tor Browser "Safer", Chromium --jitless), libsodium's loader
// fails to instantiate its WebAssembly, switches to its asm.js build (which works), and also
// leaves one promise rejected with "ReferenceError: WebAssembly is not defined" that nothing
// handles. That rejection is expected and harmless; swallow exactly it, so the console stays
// clean and any other error still surfaces. Imported first by main.ts, before libsodium loads.
if (typeof WebAssembly === 'undefined') {
  addEventListener('unhandledrejection', (event) => {
    const reason: unknown = event.reason;
    if (reason instanceof ReferenceError && /\bWebAssembly\b/.test(reason.message)) event.preventDefault();
  });
}
