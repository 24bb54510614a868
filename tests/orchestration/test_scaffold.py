"""`scorecard new-connector` refuses what it cannot generate cleanly, before writing anything."""

from __future__ import annotations

import pytest

from orchestration.scaffold import ScaffoldError, new_connector


@pytest.fixture
def project(tmp_path):
    for folder in ("connectors", "dbt_project", "tests", "docs"):
        (tmp_path / folder).mkdir()
    return tmp_path


@pytest.mark.parametrize(
    "name, why",
    [
        ("Acme", "is not a valid connector name"),
        ("9lives", "is not a valid connector name"),
        ("class", "is not a valid connector name"),
        ("a" * 31, "is longer than 30 characters"),
        ("landing", "is the name of a module of connectors/"),
        ("hubspot", "a connector called 'hubspot' exists already"),
    ],
)
def test_bad_names_are_refused(project, name, why):
    with pytest.raises(ScaffoldError, match=why):
        new_connector(name, "http", project)
    assert not any((project / "connectors").iterdir())


def test_an_existing_file_is_never_overwritten(project):
    page = project / "docs" / "sources" / "acme.md"
    page.parent.mkdir()
    page.write_text("mine")
    with pytest.raises(ScaffoldError, match=r"would overwrite docs/sources/acme.md"):
        new_connector("acme", "file", project)
    assert page.read_text() == "mine"
    assert not (project / "connectors" / "acme").exists()


def test_unknown_kind(project):
    with pytest.raises(ScaffoldError, match="--kind must be one of http, file"):
        new_connector("acme", "grpc", project)


def test_generated_files_are_listed_and_named_after_the_type(project):
    made = new_connector("acme", "http", project)
    assert sorted(str(p.relative_to(project)) for p in made.files) == [
        "connectors/acme/__init__.py",
        "dbt_project/models/staging/acme/_acme__models.yml",
        "dbt_project/models/staging/acme/_acme__sources.yml",
        "dbt_project/models/staging/acme/stg_acme__daily_stats.sql",
        "docs/sources/acme.md",
        "tests/connectors/test_acme.py",
        "tests/fixtures/acme/page_1.json",
        "tests/fixtures/acme/page_2.json",
    ]
    module = (project / "connectors/acme/__init__.py").read_text()
    assert 'type = "acme"' in module and "class AcmeConfig(TokenSourceConfig)" in module
    assert "acme_daily_stats" in module
