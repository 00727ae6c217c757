"""Run one process of the platform: ``python -m services.common.runner <name>``.

``<name>`` is a service (identity, offers, matching, conventions, notifications) or
``gateway``. The process migrates its database (Alembic) unless ``MIGRATE_ON_START=0``,
starts its nameko container and stops gracefully on SIGTERM or Ctrl-C: it stops consuming,
lets running workers finish, then exits.
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse
import importlib
import logging
import os
import signal
import sys
from typing import Any

from nameko.runners import ServiceRunner

from services.common.config import (
    PROCESSES,
    SERVICES,
    ConfigurationError,
    Settings,
    check_production_settings,
    nameko_config,
)
from services.common.logs import configure_logging

_log = logging.getLogger("services.runner")


def service_class(process: str) -> type:
    """The nameko service class of a process, found by its ``name`` attribute."""
    module_name = "gateway.service" if process == "gateway" else f"services.{process}.service"
    module = importlib.import_module(module_name)
    for value in vars(module).values():
        if isinstance(value, type) and getattr(value, "name", None) == process and value.__module__ == module_name:
            return value
    raise LookupError(f"no service named {process!r} in {module_name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("process", choices=PROCESSES)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    configure_logging(args.process, settings.log_level)
    try:
        check_production_settings()
    except ConfigurationError as exc:
        _log.error("%s", exc)
        return 2

    if args.process in SERVICES and os.environ.get("MIGRATE_ON_START", "1") != "0":
        from services.common.migrations import upgrade

        upgrade(args.process)

    runner = ServiceRunner(nameko_config(args.process))
    runner.add_service(service_class(args.process))

    def stop(*_: Any) -> None:
        _log.info("stopping %s", args.process)
        # runner.stop() waits for workers: never inside the signal handler itself
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runner.start()
    _log.info("%s started", args.process)
    try:
        runner.wait()
    except Exception:
        _log.exception("%s crashed", args.process)
        runner.kill()
        return 1
    _log.info("%s stopped", args.process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
