"""The Prometheus source: against a fake query API always, and a real server when there is one."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from commandcenter.ingest.sources import PrometheusSource
from tests.ingest.loopback import QuietHandler, serve

REQUIRE_ENV = "COMMANDCENTER_REQUIRE_PROMETHEUS"


class FakeApi:
    def __init__(self) -> None:
        self.queries: list[dict[str, str]] = []
        self.fail = False


@pytest.fixture
def fake_prometheus() -> Iterator[tuple[FakeApi, str]]:
    api = FakeApi()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            params = dict(urllib.parse.parse_qsl(url.query))
            api.queries.append(params)
            if api.fail or url.path != "/api/v1/query_range":
                self.send_error(503)
                return
            start, end, step = (float(params[k]) for k in ("start", "end", "step"))
            stamps = [start + i * step for i in range(int((end - start) // step) + 1)]
            if params["query"] == "broken(":
                body = {"status": "error", "errorType": "bad_data", "error": "parse error"}
            elif params["query"] == "by_job":
                body = {"status": "success", "data": {"resultType": "matrix", "result": [
                    {"metric": {"job": j}, "values": [[t, str(k)] for t in stamps]}
                    for k, j in enumerate(("a", "b"))]}}
            else:
                body = {"status": "success", "data": {"resultType": "matrix", "result": [
                    {"metric": {"__name__": params["query"]},
                     "values": [[t, "NaN" if t == 130 else str(t / 10)] for t in stamps]}]}}
            self.reply(json.dumps(body).encode())

    server, url = serve(Handler)
    yield api, url
    server.shutdown()
    server.server_close()


def test_query_range_per_series_and_incremental(fake_prometheus: tuple[FakeApi, str]) -> None:
    api, url = fake_prometheus
    now = [160.0]
    source = PrometheusSource(url, {"score_mean": "avg(score)", "per_job": "by_job"},
                              step=10, lookback=60, timeout=2, clock=lambda: now[0])
    points = source.poll()
    mean = [p for p in points if p.series == "score_mean"]
    assert [p.ts for p in mean] == [100, 110, 120, 140, 150, 160]  # NaN at 130 skipped
    assert mean[0].value == 10.0
    assert {p.series for p in points} - {"score_mean"} == {'per_job{job="a"}',
                                                          'per_job{job="b"}'}
    assert source.stats.skipped == 1
    assert {q["query"] for q in api.queries} == {"avg(score)", "by_job"}
    now[0] = 180.0
    again = [p for p in source.poll() if p.series == "score_mean"]
    assert [p.ts for p in again] == [170, 180]
    assert float(api.queries[-1]["start"]) == 170.0


def test_errors_are_counted_never_raised(fake_prometheus: tuple[FakeApi, str]) -> None:
    api, url = fake_prometheus
    source = PrometheusSource(url, {"bad": "broken("}, step=10, lookback=30, timeout=2,
                              interval=1, clock=lambda: 100.0)
    assert source.poll() == []
    assert source.stats.errors == 1 and "parse error" in source.stats.last_error
    api.fail = True
    source.queries = {"ok": "up"}
    assert source.poll() == []
    assert source.delay() == 4.0
    api.fail = False
    assert len(source.poll()) == 4
    assert source.delay() == 1.0


# A real Prometheus scraping a tiny exporter served by this test.

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read())


@pytest.fixture
def real_prometheus(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("prometheus")
    if binary is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but no prometheus binary on PATH "
                        "(apt-get install -y prometheus)")
        pytest.skip("no prometheus binary on PATH (Debian package 'prometheus')")

    class Exporter(QuietHandler):
        def do_GET(self) -> None:
            self.reply(b"# TYPE cc_score_mean gauge\ncc_score_mean 42.5\n",
                       "text/plain; version=0.0.4")

    exporter, target = serve(Exporter)
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: cc\n    static_configs:\n"
        f"      - targets: ['{target.removeprefix('http://')}']\n")
    log = (tmp_path / "prometheus.log").open("w")
    process = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                result = get_json(f"{base}/api/v1/query?query=cc_score_mean")["data"]["result"]
                if result:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("prometheus did not start or scrape in 30 s: "
                            + (tmp_path / "prometheus.log").read_text()[-2000:])
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        exporter.shutdown()
        exporter.server_close()


def test_against_a_real_prometheus(real_prometheus: str) -> None:
    source = PrometheusSource(real_prometheus, {"score_mean": "cc_score_mean"}, step=1,
                              lookback=30, timeout=5)
    points = source.poll()
    assert points, source.stats.last_error
    assert {p.series for p in points} == {"score_mean"}
    assert points[-1].value == 42.5
    assert source.stats.errors == 0
