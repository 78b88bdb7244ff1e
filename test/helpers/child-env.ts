// Environment for command-line tools that tests run as child processes (through tsx, like
// the npm scripts). tap would record coverage in them too, but tsx's source maps do not reach
// tap's coverage and a child's report garbles the parent's; so coverage is switched off in
// children and counts only code exercised in the test processes themselves. TIPLINE_*
// variables of the caller's shell never leak into a child.
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('TIPLINE_') || key === 'NODE_ENV') delete env[key];
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  env._TAPJS_PROCESSINFO_COVERAGE_ = '0';
  return env;
}
