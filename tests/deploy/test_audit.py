"""The dependencies' audit (deploy/audit.py): what fails it, what it lets through, and that a
vulnerability service out of reach warns without failing the build."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy import audit

pytestmark = pytest.mark.deploy

PIP_AUDIT_REPORT = {
    "dependencies": [
        {
            "name": "werkzeug",
            "version": "3.0.0",
            "vulns": [
                {"id": "PYSEC-2023-221", "fix_versions": ["3.0.1"], "aliases": ["GHSA-HRFV-MQP8-Q5RW"]},
                {"id": "GHSA-2g68-c3qc-8985", "fix_versions": ["3.0.3"], "aliases": ["CVE-2024-34069"]},
            ],
        },
        {"name": "requests", "version": "2.34.2", "vulns": []},
        {"name": "numpy", "skip_reason": "Dependency not found on PyPI and could not be audited: numpy (2.4.6)"},
        {"name": "e1s", "skip_reason": "Dependency not found on PyPI and could not be audited: e1s (0.0.0)"},
        {"name": "local-thing", "skip_reason": "Dependency is not on PyPI (editable install)"},
    ],
    "fixes": [],
}

NPM_REPORT = {
    "auditReportVersion": 2,
    "vulnerabilities": {
        "leaflet": {
            "name": "leaflet",
            "severity": "high",
            "via": [
                {
                    "source": 1099999,
                    "name": "leaflet",
                    "title": "XSS in popups",
                    "url": "https://github.com/advisories/GHSA-aaaa-bbbb-cccc",
                    "severity": "high",
                    "range": "<1.9.5",
                }
            ],
        },
        "leaflet.markercluster": {"name": "leaflet.markercluster", "severity": "high", "via": ["leaflet"]},
    },
    "metadata": {"dependencies": {"prod": 5, "total": 5}},
}


def test_a_vulnerability_fails_unless_justified_by_its_id_or_an_alias():
    findings, _ = audit.read_pip_audit(PIP_AUDIT_REPORT, ignored=set())
    assert findings == [
        "werkzeug 3.0.0: PYSEC-2023-221 (GHSA-HRFV-MQP8-Q5RW), fixed in 3.0.1",
        "werkzeug 3.0.0: GHSA-2g68-c3qc-8985 (CVE-2024-34069), fixed in 3.0.3",
    ]
    findings, _ = audit.read_pip_audit(PIP_AUDIT_REPORT, ignored={"GHSA-HRFV-MQP8-Q5RW", "CVE-2024-34069"})
    assert findings == []


def test_packages_pypi_did_not_answer_for_are_kept_with_their_installed_release():
    _, unlooked = audit.read_pip_audit(PIP_AUDIT_REPORT, ignored=set())
    assert unlooked == {"numpy": "2.4.6", "e1s": "0.0.0"}


def test_the_project_level_json_audits_only_a_package_at_its_latest_release_once_per_advisory():
    project = {
        "info": {"version": "2.4.6"},
        "vulnerabilities": [
            {"id": "GHSA-1111-2222-3333", "aliases": ["CVE-2026-1"], "fixed_in": [], "withdrawn": None},
            {"id": "PYSEC-2026-9", "aliases": [], "fixed_in": ["2.4.7"], "withdrawn": "2026-05-01T00:00:00Z"},
            {"id": "PYSEC-2026-10", "aliases": ["GHSA-1111-2222-3333"], "fixed_in": [], "withdrawn": None},
        ],
    }
    assert audit.read_project_json("numpy", "2.4.6", project, set()) == [
        "numpy 2.4.6: GHSA-1111-2222-3333 (CVE-2026-1), no fixed release"
    ]
    assert audit.read_project_json("numpy", "2.4.6", project, {"CVE-2026-1"}) == []
    assert audit.read_project_json("numpy", "2.4.5", project, set()) is None


def test_npm_advisories_count_once_and_an_exception_lets_one_through():
    assert audit.read_npm_audit(NPM_REPORT, ignored=set()) == [
        "leaflet <1.9.5: GHSA-aaaa-bbbb-cccc (high) XSS in popups"
    ]
    assert audit.read_npm_audit(NPM_REPORT, ignored={"GHSA-AAAA-BBBB-CCCC"}) == []
    assert audit.read_npm_audit({"vulnerabilities": {}}, ignored=set()) == []


def test_an_exception_without_a_reason_is_refused(tmp_path: Path):
    path = tmp_path / "exceptions.toml"
    path.write_text('[[python]]\nid = "PYSEC-2023-221"\npackage = "werkzeug"\nreason = "  "\n', encoding="utf-8")
    with pytest.raises(ValueError, match="PYSEC-2023-221 lacks reason"):
        audit.load_exceptions(path)
    path.write_text('[[npm]]\nid = "GHSA-aaaa-bbbb-cccc"\npackage = "leaflet"\nreason = "popups unused"\n')
    assert audit.load_exceptions(path) == [audit.Justified("npm", "GHSA-aaaa-bbbb-cccc", "leaflet", "popups unused")]


def test_the_project_exceptions_file_is_valid_and_each_entry_justified():
    for exception in audit.load_exceptions():
        assert len(exception.reason) >= 20, exception


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every HTTPS request of pip-audit, npm and urllib through a proxy that refuses connections."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
        for name in ("HTTPS_PROXY", "https_proxy", "npm_config_https_proxy"):
            monkeypatch.setenv(name, proxy)
        for name in ("NO_PROXY", "no_proxy", "npm_config_noproxy"):
            monkeypatch.delenv(name, raising=False)
        yield


@pytest.mark.usefixtures("no_network")
def test_services_out_of_reach_warn_and_do_not_fail(capsys: pytest.CaptureFixture[str]):
    python, npm = audit.audit_python([]), audit.audit_npm([])
    assert python.findings == [] and python.warnings, python
    assert npm.findings == [] and npm.warnings, npm
    assert "out of reach" in npm.warnings[0]

    assert audit.main() == 0
    assert "does not fail the build" in capsys.readouterr().out
