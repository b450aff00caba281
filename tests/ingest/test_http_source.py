"""The HTTP/JSON polling source against a local server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from commandcenter.ingest.sources import HttpJsonSource
from tests.ingest.loopback import QuietHandler, serve


class Endpoint:
    def __init__(self) -> None:
        self.status = 200
        self.body: object = []
        self.requests = 0


@pytest.fixture
def endpoint() -> Iterator[tuple[Endpoint, str]]:
    state = Endpoint()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            state.requests += 1
            data = (state.body if isinstance(state.body, bytes)
                    else json.dumps(state.body).encode())
            self.reply(data, status=state.status)

    server, base = serve(Handler)
    yield state, f"{base}/metrics"
    server.shutdown()
    server.server_close()


def test_polls_points_and_drops_ones_already_seen(endpoint: tuple[Endpoint, str]) -> None:
    state, url = endpoint
    state.body = [{"timestamp": 1, "series": "a", "value": 1},
                  {"timestamp": "1970-01-01T00:00:02Z", "value": 2},
                  {"timestamp": 3, "value": "x"}]
    source = HttpJsonSource(url, series="dflt", timeout=2)
    points = source.poll()
    assert [(p.series, p.ts, p.value) for p in points] == [("a", 1.0, 1.0), ("dflt", 2.0, 2.0)]
    assert source.stats.skipped == 1 and source.stats.skipped_lines[0][0] == 3
    state.body = {"points": [{"timestamp": 2, "value": 2}, {"timestamp": 4, "value": 4}]}
    assert [p.ts for p in source.poll()] == [4.0]


def test_failures_are_counted_and_back_off(endpoint: tuple[Endpoint, str]) -> None:
    state, url = endpoint
    source = HttpJsonSource(url, interval=1.0, backoff_cap=8.0, timeout=2)
    state.status = 503
    assert source.poll() == []
    assert source.delay() == 2.0
    state.status, state.body = 200, b"{broken"
    assert source.poll() == []
    assert source.delay() == 4.0
    source.poll()
    source.poll()
    assert source.delay() == 8.0  # capped
    assert source.stats.errors == 4
    state.body = [{"timestamp": 1, "value": 1}]
    assert len(source.poll()) == 1
    assert source.delay() == 1.0 and source.stats.consecutive_failures == 0


def test_connection_refused_is_a_failure_not_an_exception() -> None:
    source = HttpJsonSource("http://127.0.0.1:9/nothing", timeout=0.5)
    assert source.poll() == []
    assert source.stats.errors == 1
