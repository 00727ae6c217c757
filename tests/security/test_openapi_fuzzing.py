"""schemathesis against ``/api/openapi.json``: generated calls, anonymous, as a host, as an operator.

Every API operation of the document (v1 and the partner API v2) gets a bounded number of
generated calls, valid and invalid; the run fails on any 5xx, on a status the document does
not give for the operation, on an answer that does not match its documented schema, on
invalid data (by the document) that is accepted, and on valid data (by the document) that is
refused. Three runs at once (anonymous; with a host's token; the partner API v2 with an
operator's), each in its own process (schemathesis' threads trip a CPython AST race under
hypothesis), with a fixed seed so that CI replays the same cases.

Valid data is what the document says, including what JSON Schema cannot: the document names
custom formats (``siret``, ``uai``, ``fr-phone``, ``iso-week``, ``image-data-url``:
``services/common/contracts/formats.py``) and ``schemathesis_hooks.py`` generates them, draws
lawful daily hours and completes a search's point (rules the document states in words).
Valid data may still be refused for what no document holds (``schemathesis.toml``): who calls
(401, 403), which rows exist (404), their state (409), a spent link (410), a locked code
(423), rate limits (429); and 422 naming only a link's token or one of the team's spaces
(``schemathesis_hooks.STATE_FIELDS``: a token must have been sent, a space must be the
caller's).

The partner API v2's offer bodies are the national API's (``contracts/partner_offers.py``:
documented, read by their handler for the national API's errors); the hooks give each offer
published a ``remote_id`` of its own, so that valid ones are created (201).

Not asserted: ``content_type_conformance`` (a path holding a control character matches no
route, and nameko answers werkzeug's HTML 404).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = [pytest.mark.e2e, pytest.mark.postgresql_pass_only]

EXAMPLES_PER_OPERATION = 3
SEED = 20261207
# The host's run must keep its session: these would end it (or take the host out of its team).
ENDS_THE_SESSION = ("/api/v1/auth/logout", "/api/v1/team/members/{user_id}")
ROOT = Path(__file__).resolve().parents[2]
# The checks, their expected statuses and the hooks (custom formats' strategies), from ROOT.
CONFIG = "tests/security/schemathesis.toml"


def schemathesis(url: str, env: dict[str, str], *extra: str, paths: str = "^/api/") -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        CONFIG,
        "run",
        f"{url}/api/openapi.json",
        "--include-path-regex",
        paths,
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--phases",
        "examples,fuzzing",
        "--seed",
        str(SEED),
        "--no-shrink",
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--continue-on-failure",
        *extra,
    ]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT, env={**os.environ, **env}
    )


# The platform's start (shared with this folder's other tests) counts when this test is the first.
@pytest.mark.timeout(300)
def test_generated_calls_get_documented_answers_and_never_a_server_error(
    stack, address_index, host_auth, operator_auth
):
    # The gateway builds the address suggestions' index as it starts, in seconds: a generated call
    # during the build would wait for it, then get a 503 (``address_index`` waited for it).
    print(f"address index built in {address_index['build_seconds']} s")
    # The directory's schools, which a valid UAI names (none on a test platform: then any UAI is).
    schools = requests.get(f"{stack.url}/api/v1/schools", params={"per_page": 100}, timeout=10).json()["results"]
    env = {"E1S_FUZZ_UAIS": ",".join(school["uai"] for school in schools)}
    started = time.monotonic()
    excluded = [argument for path in ENDS_THE_SESSION for argument in ("--exclude-path", path)]
    runs = {
        "anonymous": schemathesis(stack.url, env),
        "host": schemathesis(stack.url, env, "--header", f"Authorization: {host_auth['Authorization']}", *excluded),
        # the partner API v2 as an operator (its 100 calls a minute are far from spent)
        "operator": schemathesis(
            stack.url, env, "--header", f"Authorization: {operator_auth['Authorization']}", paths="^/api/v2/"
        ),
    }
    outputs = {name: run.communicate(timeout=240)[0] for name, run in runs.items()}
    elapsed = time.monotonic() - started
    for name, run in runs.items():
        output = outputs[name]
        assert run.returncode == 0, f"{name} run failed:\n{output[-20_000:]}"
        generated = re.search(r"(\d+) generated, \1 passed", output)
        assert generated is not None, output[-5_000:]
        dropped = re.search(r"Filtered: (\d+)", output)
        refused_for_state = f", {dropped.group(1)} refused on STATE_FIELDS" if dropped else ""
        print(f"schemathesis, {name}: {generated.group(1)} calls passed{refused_for_state}")
        # about 70 operations (7 of the partner API v2), several calls each
        assert int(generated.group(1)) >= (15 if name == "operator" else 150)
    # The host's calls were a host's: its session held to the end of the run.
    assert requests.get(f"{stack.url}/api/v1/me", headers=host_auth, timeout=10).status_code == 200
    print(f"schemathesis: the {len(runs)} runs in {elapsed:.0f} s")
