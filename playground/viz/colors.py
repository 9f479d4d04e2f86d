"""The playground's colours, shared by the thumbnails and the live view (TensorFlow Playground's orange/blue)."""

NEGATIVE = "#f59322"  # class 0, negative values
POSITIVE = "#0877bd"  # class 1, positive values
CLASS_PALETTE = ("#f59322", "#0877bd", "#2ca02c", "#d62728", "#9467bd")  # multiclass, one per class


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)
