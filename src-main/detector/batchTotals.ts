/**
 * Sums a share of batch-wide quantities over every share of the batch. The losses' normalisers
 * (DW's N_gt and N_neg, FCOS's positives and centre-ness sum) are batch totals (SPEC §5: the
 * reference's all-reduce over GPUs); when a batch is split over compute workers, each worker computes
 * its share and this sums them, so every share's loss is divided by the whole batch's totals. Without
 * one, the batch is whole and its own totals are used.
 */
export type BatchTotals = (local: readonly number[]) => number[];
