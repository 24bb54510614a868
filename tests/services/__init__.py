"""Real services the tests need (PostgreSQL, Chromium), installed by install.sh."""
