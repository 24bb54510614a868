"""Marketing Scorecard: Dagster code location, configuration and command line."""

import warnings

# Great Expectations imports pyspark when it is installed (the Spark engine's extra); pyspark
# then warns on every run about pandas 3, which we use through DuckDB and GX only, never
# through pyspark's pandas API.
warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
)
