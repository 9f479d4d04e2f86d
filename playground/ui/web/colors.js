// Generated from playground/viz/colors.py (python -m playground.viz.colors): edit that file, not this one.

export const NEG = [245, 147, 34];
export const MID = [232, 234, 235];
export const POS = [8, 119, 189];
export const KERNEL_STOPS = [[33, 102, 172], [247, 247, 247], [178, 24, 43]];
export const ACTIVATION_STOPS = [[0, 0, 4], [120, 28, 109], [237, 105, 37], [252, 255, 164]];
export const SALIENCY_COLOR = [230, 30, 30];
export const TRAIN_COLOR = "#636efa";
export const TEST_COLOR = "#ef553b";
