"""Marketing Scorecard: Dagster code location, configuration and command line."""
