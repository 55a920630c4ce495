"""Prometheus metrics, one registry per app (so tests can build many apps in one process).

Exported at ``GET /metrics``:

- ``v2v_http_requests_total{method,route,status}`` and ``v2v_http_request_duration_seconds``
- ``v2v_pipeline_phase_duration_seconds{phase}`` (from finished jobs' timings)
- ``v2v_jobs_finished_total{status}`` (read from the store at scrape time: finished jobs in it
  plus those deleted since, so it survives restarts and counts jobs that ended while the API was
  down), ``v2v_errors_total{type}``
- ``v2v_jobs{status}``, ``v2v_job_queue_depth``, ``v2v_workers_alive`` (read at scrape time)
- ``v2v_gpu_memory_peak_bytes`` (last peak a worker reported; absent without a GPU)
- ``v2v_event_loop_lag_seconds`` and ``..._max_seconds``: how late a 100 ms timer fires (shows
  anything that blocks the event loop)

The original system's families, for its scrapers and dashboards (same names, types and buckets):

- ``pipeline_requests_total{status}`` (counter): jobs that ended, by final status as the API
  names them (``STATUS_NAMES``), from the same store totals as ``v2v_jobs_finished_total``
- ``pipeline_duration_seconds{phase}`` (histogram, buckets 0.1 … 120 s) of finished jobs
- ``pipeline_errors_total{phase,error_type}`` (counter): failed jobs by the last stage they
  entered and their error code; ``phase="input"`` for a job that failed before its first phase
  (the upload could not be read as a photo)
- ``gpu_memory_used_bytes`` (gauge): the last GPU memory peak a worker reported, 0 until one has

``model_load_time_seconds`` is not exported: models load in the worker processes (their warm-up
logs ``warm_up_done`` with its seconds), never in the API process.

With ``WORKERS`` > 1 each server process has its own counters; the job gauges come from the shared
store and are the same in every process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

PHASE_BUCKETS = (0.1, 0.5, 1, 5, 10, 30, 60, 120, 300)
ORIGINAL_PHASE_BUCKETS = (0.1, 0.5, 1, 5, 10, 30, 60, 120)  # the original's pipeline_duration
LAG_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1)
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class _StateCollector(Collector):
    """Job counts by status, finished totals and worker liveness, read when Prometheus scrapes."""

    def __init__(
        self,
        counts: Callable[[], dict[str, int]],
        alive: Callable[[], int],
        finished: Callable[[], dict[str, int]] | None = None,
        names: Callable[[str], str] = str,
    ) -> None:
        self.counts = counts
        self.alive = alive
        self.finished = finished
        self.names = names

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        if self.finished is not None:
            total = CounterMetricFamily(
                "v2v_jobs_finished", "Jobs that ended, by status", labels=["status"]
            )
            requests = CounterMetricFamily(
                "pipeline_requests", "Jobs that ended, by status", labels=["status"]
            )
            for status, count in self.finished().items():
                total.add_metric([status], count)
                requests.add_metric([self.names(status)], count)
            yield total
            yield requests
        counts = self.counts()
        jobs = GaugeMetricFamily("v2v_jobs", "Jobs in the store by status", labels=["status"])
        for status, count in counts.items():
            jobs.add_metric([status], count)
        yield jobs
        yield GaugeMetricFamily(
            "v2v_job_queue_depth", "Jobs waiting for a worker", value=counts.get("queued", 0)
        )
        yield GaugeMetricFamily("v2v_workers_alive", "Pipeline workers alive", value=self.alive())


class _GpuPeakCollector(Collector):
    """The last GPU memory peak a worker reported; nothing at all until one has (CPU backends)."""

    def __init__(self) -> None:
        self.value: int | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "gpu_memory_used_bytes", "Peak GPU memory of the last job", value=self.value or 0
        )
        if self.value is not None:
            yield GaugeMetricFamily(
                "v2v_gpu_memory_peak_bytes", "Peak GPU memory of the last job", value=self.value
            )


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "v2v_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "v2v_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=HTTP_BUCKETS,
            registry=self.registry,
        )
        self.phase_duration = Histogram(
            "v2v_pipeline_phase_duration_seconds",
            "Duration of each pipeline phase of finished jobs",
            ["phase"],
            buckets=PHASE_BUCKETS,
            registry=self.registry,
        )
        self.original_duration = Histogram(
            "pipeline_duration_seconds",
            "Duration of each pipeline phase of finished jobs",
            ["phase"],
            buckets=ORIGINAL_PHASE_BUCKETS,
            registry=self.registry,
        )
        self.original_errors = Counter(
            "pipeline_errors_total",
            "Failed jobs by the last stage they entered and error code",
            ["phase", "error_type"],
            registry=self.registry,
        )
        self.errors = Counter(
            "v2v_errors_total",
            "Errors by type (problem code or job error)",
            ["type"],
            registry=self.registry,
        )
        self.loop_lag = Histogram(
            "v2v_event_loop_lag_seconds",
            "How late a 100 ms timer fires on the event loop (blocking)",
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )
        self.loop_lag_max = Gauge(
            "v2v_event_loop_lag_max_seconds",
            "The largest event-loop lag since start",
            registry=self.registry,
        )
        self.gpu_peak = _GpuPeakCollector()
        self.registry.register(self.gpu_peak)

    def watch_state(
        self,
        counts: Callable[[], dict[str, int]],
        alive: Callable[[], int],
        finished: Callable[[], dict[str, int]] | None = None,
        names: Callable[[str], str] = str,
    ) -> None:
        """Gauges read at scrape time; ``finished``: the store's finished totals (the counter
        ``v2v_jobs_finished_total``, which so survives restarts and is equal in every process);
        ``names``: a status as the API names it (``pipeline_requests_total``'s label)."""
        self.registry.register(_StateCollector(counts, alive, finished, names))

    def job_finished(
        self,
        job_id: str,
        status: str,
        timings: dict[str, float],
        error_code: str | None,
        gpu_peak: int | None,
    ) -> None:
        """The executor's FinishedHook (phase durations, errors, GPU peak of this process)."""
        for phase, seconds in timings.items():
            if phase != "total":
                self.phase_duration.labels(phase).observe(seconds)
                self.original_duration.labels(phase).observe(seconds)
        if error_code is not None and status == "failed":
            self.errors.labels(error_code).inc()
            stages = [phase for phase in timings if phase != "total"]
            self.original_errors.labels(stages[-1] if stages else "input", error_code).inc()
        if gpu_peak is not None:
            self.gpu_peak.value = gpu_peak

    async def watch_event_loop(self, interval: float = 0.1) -> None:
        """Measure, until cancelled, how late timers fire: anything that blocks the loop shows."""
        loop = asyncio.get_running_loop()
        worst = 0.0
        while True:
            began = loop.time()
            await asyncio.sleep(interval)
            lag = max(0.0, loop.time() - began - interval)
            self.loop_lag.observe(lag)
            if lag > worst:
                worst = lag
                self.loop_lag_max.set(lag)

    def render(self) -> bytes:
        return generate_latest(self.registry)
