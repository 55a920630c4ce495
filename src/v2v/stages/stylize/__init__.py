"""Phase package: stylize."""
