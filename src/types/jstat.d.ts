// Minimal typings for the parts of jstat (https://jstat.github.io) that activekd uses.
declare module 'jstat' {
  export const jStat: {
    studentt: { inv(p: number, dof: number): number; cdf(x: number, dof: number): number };
    normal: { inv(p: number, mean: number, std: number): number; cdf(x: number, mean: number, std: number): number };
  };
  const _default: { jStat: typeof jStat };
  export default _default;
}
