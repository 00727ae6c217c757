"""The dependencies' audit (`make audit`, the first step of `make test` after ruff).

pip-audit audits the Python packages installed in the venv (requirements.txt and
requirements-dev.txt as resolved there), ``npm audit --omit=dev`` the front-end packages pinned by
package-lock.json. A known vulnerability fails the audit unless ``deploy/audit-exceptions.toml``
names it with the reason it does not apply. When a vulnerability service cannot be reached the
audit says so loudly and passes: CI must not depend on an outside service being up.

PyPI's per-release JSON (the one pip-audit asks) may be out of reach while the project-level JSON
is not; that one lists the vulnerabilities of the latest release, so a package installed at its
latest release is still audited through it, and only the others are reported as not audited.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
EXCEPTIONS_FILE = ROOT / "deploy" / "audit-exceptions.toml"
TIMEOUT = 10.0
"""Seconds for one request to a vulnerability service (pip-audit's own and the fallback's)."""
COMMAND_TIMEOUT = 90.0
"""Seconds for one whole audit command: past it, the service counts as unreachable."""
PROJECT_JSON = "https://pypi.org/pypi/{name}/json"
NOT_ON_PYPI = "Dependency not found on PyPI"

# Failures that mean "the service is out of reach", not "the audit is broken".
_PYTHON_NETWORK_ERROR = re.compile(
    r"ConnectionError|ProxyError|ConnectTimeout|ReadTimeout|Timeout|SSLError|NameResolution|Max retries exceeded"
)
_NPM_AUDIT_ENDPOINT = "/-/npm/v1/security/"


@dataclass(frozen=True)
class Justified:
    """One known vulnerability let through, and why."""

    ecosystem: str
    id: str
    package: str
    reason: str


@dataclass
class Outcome:
    """What one audit found: vulnerabilities nobody justified, and what could not be audited."""

    name: str
    findings: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def load_exceptions(path: Path = EXCEPTIONS_FILE) -> list[Justified]:
    """The justified exceptions, ``[[python]]`` and ``[[npm]]`` tables with id, package and reason.

    Raises ValueError on an entry without a reason: an exception nobody can explain is a finding.
    """
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    unknown = set(data) - {"python", "npm"}
    if unknown:
        raise ValueError(f"{path.name}: unknown tables {sorted(unknown)} (python, npm)")
    exceptions = []
    for ecosystem in ("python", "npm"):
        for entry in data.get(ecosystem, []):
            values = {key: str(entry.get(key, "")).strip() for key in ("id", "package", "reason")}
            missing = [key for key, value in values.items() if not value]
            if missing:
                raise ValueError(f"{path.name}: [[{ecosystem}]] {values['id'] or '?'} lacks {', '.join(missing)}")
            exceptions.append(Justified(ecosystem, values["id"], values["package"], values["reason"]))
    return exceptions


def _ids(exceptions: Iterable[Justified], ecosystem: str) -> set[str]:
    return {exception.id.upper() for exception in exceptions if exception.ecosystem == ecosystem}


def _describe(package: str, version: str, vuln_id: str, aliases: Iterable[str], fix: Iterable[str]) -> str:
    also = f" ({', '.join(sorted(aliases))})" if aliases else ""
    fixed = f", fixed in {', '.join(fix)}" if fix else ", no fixed release"
    return f"{package} {version}: {vuln_id}{also}{fixed}"


def _unjustified(package: str, version: str, vulns: Iterable[dict], ignored: set[str], fix_key: str) -> list[str]:
    """The vulnerabilities none of whose ids is justified, once each: one advisory may come under
    several ids (a PYSEC and its GHSA), linked through their aliases, so an exception naming any of
    them covers them all."""
    entries = [(vuln, {vuln["id"].upper(), *(alias.upper() for alias in vuln.get("aliases") or [])}) for vuln in vulns]
    covered = set(ignored)
    while grown := {i for _, ids in entries if ids & covered for i in ids} - covered:
        covered |= grown
    findings, seen = [], set()
    for vuln, ids in entries:
        if ids & (covered | seen):
            continue
        seen |= ids
        findings.append(_describe(package, version, vuln["id"], vuln.get("aliases") or [], vuln.get(fix_key) or []))
    return findings


def read_pip_audit(report: dict, ignored: set[str]) -> tuple[list[str], dict[str, str]]:
    """From pip-audit's JSON: the unjustified vulnerabilities, and the packages it could not look up
    on PyPI (name to installed version). Its other skips (the project itself) are not packages of PyPI."""
    findings: list[str] = []
    unlooked: dict[str, str] = {}
    for dependency in report.get("dependencies", []):
        name, version = dependency["name"], dependency.get("version", "")
        if "skip_reason" in dependency:
            match = re.search(r"\(([^()]+)\)\s*$", dependency["skip_reason"])
            if dependency["skip_reason"].startswith(NOT_ON_PYPI) and match:
                unlooked[name] = match.group(1)
            continue
        findings += _unjustified(name, version, dependency.get("vulns", []), ignored, "fix_versions")
    return findings, unlooked


def read_project_json(name: str, installed: str, project: dict, ignored: set[str]) -> list[str] | None:
    """The unjustified vulnerabilities of ``name`` at ``installed`` from PyPI's project-level JSON,
    or None when ``installed`` is not the latest release (that JSON only speaks of the latest)."""
    try:
        if Version(project["info"]["version"]) != Version(installed):
            return None
    except InvalidVersion:
        return None
    current = [vuln for vuln in project.get("vulnerabilities") or [] if not vuln.get("withdrawn")]
    return _unjustified(name, installed, current, ignored, "fixed_in")


def read_npm_audit(report: dict, ignored: set[str]) -> list[str]:
    """From ``npm audit --json`` (report version 2): the unjustified advisories, once each. Entries
    that only name another package are that package's advisories reached through it."""
    findings: dict[str, str] = {}
    for name, vulnerability in report.get("vulnerabilities", {}).items():
        for via in vulnerability.get("via", []):
            if not isinstance(via, dict):
                continue
            advisory = str(via.get("url", "")).rstrip("/").rsplit("/", 1)[-1] or str(via.get("source", ""))
            if {advisory.upper(), str(via.get("source", "")).upper()} & ignored:
                continue
            findings[advisory] = (
                f"{via.get('name', name)} {via.get('range', '')}: {advisory} ({via.get('severity', '?')}) "
                f"{via.get('title', '')}".rstrip()
            )
    return sorted(findings.values())


def _fetch_project(name: str) -> dict | None:
    url = PROJECT_JSON.format(name=canonicalize_name(name))
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:  # noqa: S310 (a constant https URL)
            return json.load(answer)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError):
        return None


def audit_python(exceptions: list[Justified]) -> Outcome:
    """pip-audit on this interpreter's environment (the venv), with the project-level fallback."""
    outcome = Outcome("Python (pip-audit)")
    ignored = _ids(exceptions, "python")
    command = [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"]
    command += ["--timeout", str(int(TIMEOUT))]
    for vuln_id in sorted(ignored):
        command += ["--ignore-vuln", vuln_id]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        outcome.warnings.append(f"pip-audit did not answer within {COMMAND_TIMEOUT:.0f} s: nothing audited")
        return outcome
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        if _PYTHON_NETWORK_ERROR.search(run.stderr):
            last = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ""
            outcome.warnings.append(f"PyPI's vulnerability service is out of reach, nothing audited: {last[:300]}")
        else:
            outcome.findings.append(f"pip-audit failed (exit {run.returncode}): {run.stderr.strip()[-2000:]}")
        return outcome
    findings, unlooked = read_pip_audit(report, ignored)
    outcome.findings += findings
    audited = sum("skip_reason" not in dependency for dependency in report.get("dependencies", []))
    not_audited = []
    if unlooked:
        with ThreadPoolExecutor(max_workers=16) as pool:
            projects = dict(zip(unlooked, pool.map(_fetch_project, unlooked), strict=True))
        for name, version in sorted(unlooked.items()):
            found = read_project_json(name, version, projects[name], ignored) if projects[name] else None
            if found is None:
                not_audited.append(f"{name} {version}")
            else:
                outcome.findings += found
        outcome.notes.append(
            f"PyPI's per-release JSON did not answer for {len(unlooked)} packages: {len(unlooked) - len(not_audited)} "
            "audited through the project-level JSON (installed at their latest release)"
        )
    outcome.notes.append(f"{audited} packages audited by pip-audit")
    if not_audited:
        outcome.warnings.append(
            f"{len(not_audited)} packages not audited (no vulnerability data reached for their installed release): "
            + ", ".join(not_audited)
        )
    return outcome


def audit_npm(exceptions: list[Justified]) -> Outcome:
    """``npm audit --omit=dev`` on package-lock.json: the packages the gateway serves."""
    outcome = Outcome("npm (npm audit --omit=dev)")
    ignored = _ids(exceptions, "npm")
    command = ["npm", "audit", "--omit=dev", "--json", "--no-fund"]
    try:
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
    except FileNotFoundError:
        outcome.findings.append("npm is not installed: the front-end packages cannot be audited")
        return outcome
    except subprocess.TimeoutExpired:
        outcome.warnings.append(f"npm audit did not answer within {COMMAND_TIMEOUT:.0f} s: nothing audited")
        return outcome
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        outcome.findings.append(f"npm audit failed (exit {run.returncode}): {run.stderr.strip()[-2000:]}")
        return outcome
    if "vulnerabilities" not in report:
        message = str(report.get("message") or report.get("error") or run.stderr.strip())
        if _NPM_AUDIT_ENDPOINT in message or "ENOTFOUND" in message or "ETIMEDOUT" in message:
            outcome.warnings.append(f"the npm registry's audit service is out of reach, nothing audited: {message}")
        else:
            outcome.findings.append(f"npm audit failed (exit {run.returncode}): {message}")
        return outcome
    outcome.findings += read_npm_audit(report, ignored)
    counted = report.get("metadata", {}).get("dependencies", {})
    outcome.notes.append(f"{counted.get('total', counted.get('prod', '?'))} packages audited")
    return outcome


def main() -> int:
    """Runs both audits, prints what each found, and exits 1 on any unjustified vulnerability."""
    try:
        exceptions = load_exceptions()
    except (ValueError, tomllib.TOMLDecodeError) as error:
        print(f"audit: {error}", file=sys.stderr)
        return 1
    outcomes = [audit_python(exceptions), audit_npm(exceptions)]
    for outcome in outcomes:
        print(f"audit: {outcome.name}")
        for note in outcome.notes:
            print(f"  {note}")
        for warning in outcome.warnings:
            print(f"  WARNING: {warning}")
        for finding in outcome.findings:
            print(f"  VULNERABLE: {finding}")
        if not outcome.findings and not outcome.warnings:
            print("  no known vulnerability")
    if exceptions:
        print(f"audit: {len(exceptions)} exceptions let through, each justified in {EXCEPTIONS_FILE.relative_to(ROOT)}")
    if any(outcome.warnings for outcome in outcomes):
        print(
            "audit: WARNING: part of the audit could not reach its vulnerability service; it does not fail the "
            "build (CI must not depend on an outside service): run `make audit` where the service is reachable"
        )
    if any(outcome.findings for outcome in outcomes):
        print(
            f"audit: FAILED: upgrade the package, or justify the vulnerability in {EXCEPTIONS_FILE.relative_to(ROOT)}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
