"""The child process of the resilience tests: one real Python process on the test database.

    python -m tests.resilience.child ACTION '{"json": "payload"}'

The parent (``support.Child``) passes the test database in ``DATABASE_URL`` and its own key
store, media and calendar paths in ``RESILIENCE_SETTINGS`` (JSON), so that every process signs
with the same keys and reads the same files. Protocol on stdout, one line each:

* ``READY`` — Django is set up; actions that must start together then wait for ``GO`` on stdin
  (the parent sends it to every child at once: a barrier across processes);
* ``PAUSED`` — with ``RESILIENCE_PAUSE`` (``{"target": "module:attr", "after": n}``; ``attr`` may be ``Class.method``) the n-th
  call of that function has returned, its writes are issued and its transaction is still open;
  the process then sleeps until the parent kills it with SIGKILL (a crash at a known point).
  With ``"sleep": s`` instead, every call is followed by ``s`` seconds inside its transaction
  (a slow batch that other processes race) and ``CALLED n`` is printed; with ``"before": true``
  the pause comes before the first call;
* ``RESULT {json}`` — what the action did, for the parent's assertions.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PATH_SETTINGS = ("MEDIA_ROOT", "KEYSTORE_PATH", "AUDIT_HEADS_PATH", "HOLIDAY_CALENDAR_DIR")


def _setup() -> None:
    import django
    from django.conf import settings

    for name, value in json.loads(os.environ.get("RESILIENCE_SETTINGS", "{}")).items():
        setattr(settings, name, Path(value) if name in PATH_SETTINGS else value)
    django.setup()


def _install_pause() -> None:
    spec = os.environ.get("RESILIENCE_PAUSE")
    if not spec:
        return
    pause = json.loads(spec)
    module_name, path = pause["target"].split(":")
    owner: Any = importlib.import_module(module_name)  # a module, or a class in it
    *parents, attribute = path.split(".")
    for name in parents:
        owner = getattr(owner, name)
    original: Callable[..., Any] = getattr(owner, attribute)
    calls = {"n": 0}

    def paused(*args: Any, **kwargs: Any) -> Any:
        if pause.get("before"):  # killed just before the call, not after it
            print("PAUSED", flush=True)
            time.sleep(3600)
        result = original(*args, **kwargs)
        calls["n"] += 1
        if "sleep" in pause:
            print(f"CALLED {calls['n']}", flush=True)
            time.sleep(float(pause["sleep"]))
        elif calls["n"] == int(pause["after"]):
            print("PAUSED", flush=True)
            time.sleep(3600)  # killed here by the parent
        return result

    setattr(owner, attribute, paused)


def _say(line: str) -> None:
    print(line, flush=True)


def _wait_for_go() -> None:
    _say("READY")
    if sys.stdin.readline().strip() != "GO":
        raise SystemExit("no GO from the parent")


def _outcome(action: Callable[[], Any]) -> dict[str, Any]:
    from roadcredit.core.errors import ApplicationError

    try:
        return {"ok": action()}
    except ApplicationError as exc:
        return {"error": type(exc).__name__, "message": exc.message}


# --- actions ------------------------------------------------------------------------------------


def issue(payload: dict[str, Any]) -> Any:
    """Issue one licence of ``type_key`` to each operator in ``holders``, one after another."""
    from roadcredit.elicences.services import licence_issue
    from roadcredit.subjects.models import Operator

    holders = list(Operator.objects.filter(pk__in=payload["holders"]).order_by("pk"))
    _wait_for_go()
    numbers = []
    for holder in holders:
        licence = licence_issue(actor=None, type_key=payload["type_key"], holder=holder)
        numbers.append(licence.paper_number)
    return numbers


def application(payload: dict[str, Any]) -> Any:
    """One clerk's move on an application, as seen on that clerk's page (its version)."""
    from roadcredit.accounts.models import User
    from roadcredit.licensing import services
    from roadcredit.licensing.models import Application

    actor = User.objects.get(username=payload["actor"])
    seen = Application.objects.get(pk=payload["application"])
    seen.version = payload["version"]
    move = getattr(services, payload["service"])
    _wait_for_go()
    return _outcome(lambda: move(actor=actor, application=seen, **payload.get("kwargs", {})).status)


def intake(payload: dict[str, Any]) -> Any:
    """Push one batch of credit records from a source (as the push API does)."""
    from roadcredit.credit.models import Source
    from roadcredit.credit.services.intake import intake_submit

    source = Source.objects.get(code=payload["source"])
    _wait_for_go()
    return _outcome(
        lambda: (
            intake_submit(
                source=source, records=payload["records"], batch_key=payload["batch_key"]
            ).pk
        )
    )


def records(payload: dict[str, Any]) -> Any:
    """An officer entering credit records one after another (each regrades its subject)."""
    from roadcredit.credit.services.records import credit_record_create
    from roadcredit.subjects.models import Operator

    subjects = Operator.objects.in_bulk(payload["operators"])
    _wait_for_go()
    created = []
    for index, pk in enumerate(payload["operators"]):
        record = credit_record_create(
            actor=None, subject=subjects[pk], data=payload["records"][index]
        )
        created.append(record.public_id)
        time.sleep(float(payload.get("gap", 0)))
    return created


def command(payload: dict[str, Any]) -> Any:
    """A management command as an operator types it (``manage.py …``); exit code kept."""
    from django.core.management import ManagementUtility

    _say("READY")
    try:
        ManagementUtility(["manage.py", *payload["argv"]]).execute()
    except SystemExit as exc:
        return {"exit": exc.code}
    return {"exit": 0}


def state(payload: dict[str, Any]) -> Any:
    """The canonical state of one scenario's tables (compared across databases)."""
    from tests.resilience import states

    return getattr(states, payload["of"])()


ACTIONS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "issue": issue,
    "application": application,
    "intake": intake,
    "records": records,
    "command": command,
    "state": state,
}


def main() -> None:
    action = ACTIONS[sys.argv[1]]
    payload = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    _setup()
    _install_pause()
    result = action(payload)
    from django.db import connections

    connections.close_all()
    _say("RESULT " + json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
