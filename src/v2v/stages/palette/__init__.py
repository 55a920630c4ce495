"""Phase III, palette: upscaling, exact CIEDE2000 mapping and speck removal on the label map."""

from v2v.stages.palette.mapping import map_to_palette

__all__ = ["map_to_palette"]
