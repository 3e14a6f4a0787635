"""Property-based run of schemathesis over ``/openapi.json`` against the real app.

The API is served by uvicorn on a loopback port, on a migrated database of the session's
real PostgreSQL, in its own thread and event loop (schemathesis calls are synchronous).
Every operation gets a bounded number of generated requests, valid and invalid; none may
answer 500, and responses must match the documented schema and content type.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from hafeniq_chain.api.app import create_app
from hafeniq_chain.api.keys import create_api_key
from hafeniq_chain.api.server import build_server
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.migrator import migrate
from tests.conftest import _with_database
from tests.integration.api.conftest import make_settings

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


class LiveApi:
    """The app on a fresh database, served from a background thread until closed."""

    def __init__(self, admin_dsn: str, port: int) -> None:
        self.admin_dsn = admin_dsn
        self.url = f"http://127.0.0.1:{port}"
        self.key = ""
        self.other_key = ""
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._server = None
        self._thread = threading.Thread(target=self._run, args=(port,), daemon=True)

    def start(self) -> LiveApi:
        self._thread.start()
        if not self._ready.wait(60) or self._error is not None:
            raise RuntimeError(f"API did not start: {self._error!r}")
        return self

    def _run(self, port: int) -> None:
        try:
            asyncio.run(self._serve(port))
        except BaseException as exc:
            self._error = exc
            self._ready.set()

    async def _serve(self, port: int) -> None:
        name = f"st_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(self.admin_dsn)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        pool = await create_pool(_with_database(self.admin_dsn, name), min_size=1, max_size=5)
        try:
            await migrate(pool)
            self.key = await create_api_key(pool, "fuzz", ["*"])
            self.other_key = await create_api_key(pool, "fuzz-other", ["*"])
            self._server = build_server(create_app(pool, make_settings()),
                                        f"127.0.0.1:{port}", own_signals=False)
            task = asyncio.create_task(self._server.serve())
            for _ in range(600):  # uvicorn offers no "started" event to await
                if self._server.started:
                    break
                await asyncio.sleep(0.05)
            self._ready.set()
            await task
        finally:
            await pool.close()

    def close(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(30)


@pytest.fixture(scope="module")
def live_api(pg_server: str) -> Iterator[LiveApi]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    api = LiveApi(pg_server, port).start()
    yield api
    api.close()


def _exercise(operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode,
              headers: dict[str, str], statuses: dict[int, int]) -> None:
    """``MAX_EXAMPLES`` generated requests for one operation; any failed check raises."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS, timeout=10)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    run()


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_no_operation_answers_500_or_breaks_its_schema(live_api: LiveApi) -> None:
    schema = schemathesis.openapi.from_url(f"{live_api.url}/openapi.json")
    # NOTE: two tenants share the server: the second one's generated ids (request ids,
    # event ids, alert and incident ids) collide with the first one's.
    tenants = [{"Authorization": f"Bearer {key}"} for key in (live_api.key, live_api.other_key)]
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: dict[int, int] = {}
    for operation in operations:
        for headers in tenants:
            _exercise(operation, schemathesis.GenerationMode.POSITIVE, headers, statuses)
        # NOTE: an operation without any input (``/healthz``) has no invalid request.
        with contextlib.suppress(Unsatisfiable):
            _exercise(operation, schemathesis.GenerationMode.NEGATIVE, tenants[1], statuses)
    print(f"schemathesis: {len(operations)} operations, responses by status {statuses}")
    assert len(operations) >= 8
    assert statuses.get(200, 0) > 0 and statuses.get(422, 0) > 0


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_stateful_two_tenants_never_answer_500(live_api: LiveApi) -> None:
    """Schemathesis' state machine follows the OpenAPI links (a score's incident to its
    summary, an alert to its feedback) with the two tenants' keys taking turns, so one
    tenant's ids are fed to the other's calls."""
    schema = schemathesis.openapi.from_url(f"{live_api.url}/openapi.json")
    keys = [live_api.key, live_api.other_key]
    calls = {"n": 0}
    statuses: dict[int, int] = {}

    class TwoTenants(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
            calls["n"] += 1
            return {"headers": {"Authorization": f"Bearer {keys[calls['n'] % 2]}"},
                    "timeout": 10}

        def validate_response(self, response: object, case: schemathesis.Case,
                              additional_checks: object = None, **kwargs: object) -> None:
            code = int(getattr(response, "status_code", 0))
            statuses[code] = statuses.get(code, 0) + 1
            case.validate_response(response, checks=CHECKS)

    TwoTenants.run(settings=settings(max_examples=15, stateful_step_count=8, deadline=None,
                                     database=None, derandomize=True,
                                     suppress_health_check=list(HealthCheck)))
    print(f"stateful: {calls['n']} calls, responses by status {statuses}")
    assert calls["n"] > 20
