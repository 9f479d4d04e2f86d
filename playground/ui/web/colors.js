// Generated from playground/viz/colors.py (python -m playground.viz.colors): edit that file, not this one.

export const NEG = [245, 147, 34];
export const MID = [232, 234, 235];
export const POS = [8, 119, 189];
export const KERNEL_STOPS = [[33, 102, 172], [247, 247, 247], [178, 24, 43]];
export const ACTIVATION_STOPS = [[0, 0, 4], [120, 28, 109], [237, 105, 37], [252, 255, 164]];
export const SALIENCY_COLOR = [230, 30, 30];
export const SIGNED_STOPS = [[5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247], [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31]];
export const VIRIDIS_STOPS = [[68, 1, 84], [72, 40, 120], [62, 73, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37]];
export const MARKER_COLOR = "#f59e0b";
export const TRAIN_COLOR = "#636efa";
export const TEST_COLOR = "#ef553b";
