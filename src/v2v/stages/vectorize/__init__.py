"""Phase package: vectorize."""
