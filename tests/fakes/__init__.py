"""Local stand-ins that speak the platforms' documented wire formats (for tests only)."""
