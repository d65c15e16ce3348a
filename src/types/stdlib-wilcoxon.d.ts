// Minimal typing of @stdlib/stats-wilcoxon's default export (its bundled types need @stdlib/types).
declare module '@stdlib/stats-wilcoxon' {
  interface WilcoxonOptions {
    alpha?: number;
    alternative?: 'two-sided' | 'less' | 'greater';
    zeroMethod?: 'pratt' | 'wilcox' | 'zsplit';
    correction?: boolean;
    exact?: boolean;
    mu?: number;
  }
  interface WilcoxonResults {
    pValue: number;
    statistic: number;
    method: string;
    rejected: boolean;
  }
  function wilcoxon(x: ArrayLike<number>, options?: WilcoxonOptions): WilcoxonResults;
  function wilcoxon(x: ArrayLike<number>, y: ArrayLike<number>, options?: WilcoxonOptions): WilcoxonResults;
  export default wilcoxon;
}
