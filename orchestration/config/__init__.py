"""Loading and validating `scorecard.yml`."""

from orchestration.config.loader import ConfigFileError, find_config, load_config
from orchestration.config.models import GRAINS, ScorecardConfig

__all__ = ["GRAINS", "ConfigFileError", "ScorecardConfig", "find_config", "load_config"]
