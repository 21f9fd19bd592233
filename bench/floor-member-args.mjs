// The command line of a floor member (bench/idle-floor-member.mjs, bench/idle-wire-floor-member.mjs):
// its role, then its arguments; numberArg(i) reads argument i as a positive integer or exits 2.
export const [role, ...args] = process.argv.slice(2);

export function numberArg(index) {
  const value = Number(args[index]);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`argument ${index + 2}: expected a positive integer; got ${args[index]}`);
    process.exit(2);
  }
  return value;
}
