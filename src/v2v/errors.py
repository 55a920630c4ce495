"""One error hierarchy for the library.

The library raises these; only the CLI and the service translate them into exit codes or HTTP
problem documents. Every message names the problem and the fix.
"""

from __future__ import annotations


class V2VError(Exception):
    """Base class of every error the library raises on purpose."""

    #: Stable machine-readable code used by the CLI (exit codes) and the service (problem types).
    code = "v2v_error"
    exit_code = 1


class ConfigError(V2VError):
    """A configuration value (file, environment or override) is invalid."""

    code = "config_error"
    exit_code = 2


class InputError(V2VError):
    """The input (image, palette, hint) cannot be used."""

    code = "input_error"
    exit_code = 3


class BackendUnavailable(V2VError):
    """A backend cannot run here (missing extra, no GPU)."""

    code = "backend_unavailable"
    exit_code = 4


class WeightsMissing(BackendUnavailable):
    """A backend's model weights are not in the model directory."""

    code = "weights_missing"
    exit_code = 4


class StageFailed(V2VError):
    """A pipeline stage failed for a reason that is not the input's fault."""

    code = "stage_failed"
    exit_code = 5


class OutOfMemory(StageFailed):
    """The GPU ran out of memory again after the cache was freed (the service answers 507)."""

    code = "out_of_memory"
    exit_code = 5


class QualityCheckFailed(V2VError):
    """A QA check failed and the configured policy is ``fail``."""

    code = "quality_check_failed"
    exit_code = 6


class Cancelled(V2VError):
    """The run was cancelled through its RunContext."""

    code = "cancelled"
    exit_code = 130
