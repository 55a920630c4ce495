"""Colour science: CIEDE2000 and palettes."""
