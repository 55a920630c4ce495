"""Phase package: sanitize."""
