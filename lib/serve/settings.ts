/** Where and how the status server listens (`serve`, or a long-running monitor's `--serve PORT`). */
export interface ServeSettings {
  host: string;
  port: number;
  tokenFile: string | null;
  /** Only these work dirs (absolute); default: every run of the spool. */
  workDirs: string[];
}
