"""Journeys of a person in a real browser, each a module with ``run(journey, settings)``.

They run in a process of their own (``python -m tests.support.web_journeys.run <module>
'<json settings>'``, started by ``tests.support.browser_run.run_journey``), away from the
suite's eventlet patching, and drive Debian's chromium through ``tests.support.browser``.
"""
