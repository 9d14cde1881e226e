// One line of the bench's table: a figure and its ratios to the baselines of the same run.

export interface Ratio {
  readonly baseline: string;
  readonly value: number;
}

export interface Row {
  readonly workload: string;
  readonly subject: string;
  readonly recordsPerSec: number;
  /** None: the row is a baseline. */
  readonly ratios?: readonly Ratio[];
}
