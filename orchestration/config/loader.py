"""Find, parse and validate the config file, with errors that point at the line to fix."""

from __future__ import annotations

import os
import re
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from connectors import registry
from connectors.secrets import ConfigError
from orchestration.config.models import KPI, Objective, Paths, Publish, Schedule, ScorecardConfig
from orchestration.project import DEMO_DIR

DEMO_CONFIG = DEMO_DIR / "balanced_scorecard.yml"


class ConfigFileError(ConfigError):
    """One or more problems in a config file; `str()` lists each with file, line and key."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"{path} has {len(problems)} configuration {noun}:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )


def find_config(explicit: str | Path | None = None, *, demo: bool = False) -> Path:
    """`--config PATH`, else $SCORECARD_CONFIG, else ./scorecard.yml (or the bundled demo)."""
    if explicit:
        return Path(explicit)
    if demo:
        return DEMO_CONFIG
    if os.environ.get("SCORECARD_CONFIG"):
        return Path(os.environ["SCORECARD_CONFIG"])
    return Path("scorecard.yml")


def load_config(path: str | Path, *, base_dir: Path | None = None) -> ScorecardConfig:
    """Parse and validate; relative paths resolve against the file's folder (or `base_dir`;
    for the bundled demo configs, the current folder)."""
    path = Path(path)
    if not path.exists():
        raise ConfigFileError(
            path,
            [
                "the file does not exist; pass --config PATH, set SCORECARD_CONFIG, "
                "or start from scorecard.example.yml"
            ],
        )
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text) or {}
        root = yaml.compose(text)
    except yaml.YAMLError as e:
        raise ConfigFileError(path, [f"not valid YAML: {e}"]) from e
    if not isinstance(raw, dict):
        raise ConfigFileError(path, ["the file must hold a mapping of keys (timezone:, kpis: ...)"])
    if base_dir is None:
        # the bundled demo configs keep their data under the folder the demo is started from,
        # never inside the installed package
        in_package = path.resolve().parent == DEMO_DIR.resolve()
        base_dir = Path.cwd() if in_package else path.resolve().parent
    base = base_dir
    try:
        # sources that turn timestamps into days default to the scorecard's time zone
        context = {"base_dir": base, "timezone": raw.get("timezone")}
        config = ScorecardConfig.model_validate(raw, context=context)
    except ValidationError as e:
        raise ConfigFileError(path, _problems(e, raw, root, path)) from None
    hand_kpi_ids(config)
    return config


def hand_kpi_ids(config: ScorecardConfig) -> ScorecardConfig:
    """Give the sources whose sheets name KPIs (comments, actions) the scorecard's KPI ids:
    a source config alone does not know them, and their parsers refuse any other id."""
    from connectors.kpi_sheets import KpiSheetConfig

    for source in config.sources:
        if isinstance(source, KpiSheetConfig):
            source.use_kpi_ids(kpi.id for kpi in config.kpis)
    return config


def _problems(error: ValidationError, raw: dict, root, path: Path) -> list[str]:
    out = []
    for err in error.errors(include_url=False):
        loc = _clean_loc(err["loc"], raw)
        message = err["msg"].removeprefix("Value error, ")
        if not loc and ("\n" in message or re.match(r"^[a-z_]+(\[\d+\])?[.:]", message)):
            # cross-reference problems come as "<key path>: <message>" lines
            for line in message.splitlines():
                key, _, msg = line.partition(": ")
                out.append(_format(path, root, raw, _parse_key(key), msg))
            continue
        out.append(_format(path, root, raw, loc, _explain(err, loc, raw, message)))
    return out


def _clean_loc(loc: tuple, raw: dict) -> tuple:
    """Drop the union tag pydantic inserts for sources (`sources.0.ga4.key` -> `sources.0.key`)."""
    cleaned: list = []
    for part in loc:
        # a discriminated union (source type, auth type, pagination style) names its tag
        here = _get(raw, tuple(cleaned))
        if (
            isinstance(part, str)
            and isinstance(here, dict)
            and part not in here
            and part in (here.get("type"), here.get("style"))
        ):
            continue
        cleaned.append(part)
    loc = tuple(cleaned)
    # KPI target unions report every alternative; keep the key itself
    if len(loc) >= 3 and loc[0] == "kpis" and loc[2] == "target":
        loc = loc[:3]
    return loc


def _parse_key(key: str) -> tuple:
    parts: list[Any] = []
    for piece in key.split("."):
        m = re.fullmatch(r"([a-z_]+)\[(\d+)\]", piece)
        if m:
            parts += [m.group(1), int(m.group(2))]
        else:
            parts.append(piece)
    return tuple(parts)


def _explain(err: dict, loc: tuple, raw: dict, message: str) -> str:
    kind = err["type"]
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], raw)
        hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        return f"'{loc[-1]}' is not a known key here{hint}"
    if kind in ("union_tag_invalid", "union_tag_not_found") and len(loc) != 2:
        return message  # a nested union (auth type, pagination style) lists its own tags
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return (
            f"unknown source type {err.get('input', {}).get('type')!r}"
            if kind == "union_tag_invalid"
            else "is missing `type`"
        ) + f"; allowed: {', '.join(registry())}"
    if kind == "literal_error":
        return f"{err['input']!r} is not allowed; {message.lower()}"
    if loc and loc[-1] == "target" and loc[0] == "kpis":
        return (
            f"{err.get('input')!r} is not a target; use a number, [low, high] for in_range, "
            "a mapping of grains (month: 3.0), or a list of {from: date, <grain>: value}"
        )
    return message


def _allowed_keys(parent: tuple, raw: dict) -> list[str]:
    if not parent:
        model = ScorecardConfig
    elif parent[0] == "sources" and len(parent) >= 2:
        src = _get(raw, parent[:2])
        connector = registry().get(src.get("type")) if isinstance(src, dict) else None
        model = connector.config_model if connector else None
        for i, part in enumerate(parent[2:], start=2):
            if model is None or isinstance(part, int):
                continue
            field = model.model_fields.get(part)
            model = _model_in(field.annotation if field else None, _get(raw, parent[: i + 1]))
    else:
        model = {
            ("kpis",): KPI,
            ("objectives",): Objective,
            ("paths",): Paths,
            ("publish",): Publish,
            ("schedule",): Schedule,
        }.get(tuple(p for p in parent if not isinstance(p, int)))
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_in(annotation: Any, value: Any) -> type[BaseModel] | None:
    """The model a nested key's value is validated by (through lists, optionals and unions,
    picking a union member by the value's `type`/`style` tag)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        model = _model_in(arg, value)
        if model is None:
            continue
        tags = [model.model_fields.get(k) for k in ("type", "style")]
        literal = next((typing.get_args(t.annotation) for t in tags if t is not None), None)
        if not literal or not isinstance(value, dict):
            return model
        if value.get("type") in literal or value.get("style") in literal:
            return model
    return None


def _get(data: Any, loc: tuple) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _format(path: Path, root, raw: dict, loc: tuple, message: str) -> str:
    line = _line_of(root, loc)
    key = _key_text(loc, raw)
    where = f"{path}:{line}" if line else str(path)
    return f"{where}: {key}: {message}" if key else f"{where}: {message}"


def _key_text(loc: tuple, raw: dict) -> str:
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            item = _get(raw, loc[: i + 1])
            field = {"sources": "name", "kpis": "id"}.get(loc[0]) if i == 1 else None
            label = item.get(field) if field and isinstance(item, dict) else None
            out += f"[{part}]" + (f" ({label})" if label else "")
        else:
            out += ("." if out else "") + str(part)
    return out


def _line_of(node, loc: tuple) -> int | None:
    """1-based line of the deepest YAML node along `loc` that exists."""
    best = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == part:
                    child = v
                    best = k.start_mark.line + 1
                    break
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
            best = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return best
