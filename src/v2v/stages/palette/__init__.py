"""Phase package: palette."""
