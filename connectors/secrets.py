"""Secrets: read from the environment at run time, and redacted wherever text leaves a connector.

Every secret value that `resolve_secret` hands out is remembered for this process; `redact`
replaces it in log lines and error messages, so a token can reach neither the logs, nor an
exception shown by the CLI, nor Dagster's event log and metadata.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Annotated, Any

from pydantic import AfterValidator, ValidationInfo

ENV_PREFIX = "env:"
MASK = "***"
_lock = threading.Lock()
_secrets: set[str] = set()


class ConfigError(ValueError):
    """A configuration problem a person can fix; the message says where and how."""


class SecretMissingError(ConfigError):
    pass


def remember(value: str | None) -> None:
    """Redact this value from now on (short values would mask ordinary words: skipped)."""
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)


def redact(text: Any) -> str:
    text = str(text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    # bearer tokens in echoed headers, even ones we never resolved ourselves
    return re.sub(r"(?i)(bearer\s+)[A-Za-z0-9._\-~+/=]{8,}", rf"\1{MASK}", text)


def resolve_secret(value: str | None, *, key: str) -> str | None:
    """Read an `env:NAME` reference from the environment at run time (never earlier)."""
    if value is None:
        return None
    if not value.startswith(ENV_PREFIX):
        raise ConfigError(f"{key} must be an environment reference like env:NAME, not a value")
    name = value[len(ENV_PREFIX) :]
    resolved = os.environ.get(name)
    if not resolved:
        raise SecretMissingError(
            f"{key} refers to environment variable {name}, which is not set; "
            f"export {name}=... before running"
        )
    remember(resolved)
    return resolved


def env_reference(value: Any, key: str) -> Any:
    """Validator body shared by every secret field: the file may only hold `env:NAME`."""
    if value is None:
        return value
    if not isinstance(value, str) or not re.fullmatch(r"env:[A-Za-z_][A-Za-z0-9_]*", value):
        raise ValueError(
            f"{key} is a secret and must be written as env:NAME (the value is read from the "
            "environment at run time); secrets are never stored in the config file"
        )
    return value


def _env_only(value: Any, info: ValidationInfo) -> Any:
    return env_reference(value, info.field_name)


# a config value that must be a reference to an environment variable (`env:NAME`): secrets
# are never written in the file
EnvRef = Annotated[str, AfterValidator(_env_only)]


class RedactingLogger(logging.LoggerAdapter):
    """Wraps a logger (Dagster's context.log included) so no message carries a secret."""

    def __init__(self, logger: logging.Logger):
        super().__init__(logger, {})

    def process(self, msg, kwargs):
        return redact(msg), kwargs

    def log(self, level, msg, *args, **kwargs):
        # format first, so secrets in the arguments are redacted too
        text = msg % args if args else msg
        self.logger.log(level, redact(text), **kwargs)
