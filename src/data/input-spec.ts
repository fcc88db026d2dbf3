/** What a network takes as input: the image shape and the per-channel normalization (mean, std) of its data set. */
export interface InputSpec {
  channels: number;
  height: number;
  width: number;
  mean: number[];
  std: number[];
}
