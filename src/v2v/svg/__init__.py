"""SVG documents: rendering and export."""
