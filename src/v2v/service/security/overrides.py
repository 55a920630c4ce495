"""Which pipeline config keys a client may set per request, and within which bounds.

The pipeline config also holds server matters: where the weights are (``models.*``), which model
runs (``phase1.backend``, ``phase3.upscale.method``, ``phase2.scheduler``), files inside the model
directory (``phase1.inpaint.file``) and the upload limits. A request could point a model loader
at any file on the server through them, or make a job far more expensive than the operator
chose. So this is an allow-list: a key not named here is refused (422), whatever the config
accepts; numbers that drive the cost of a job are capped by the server's own config value
(``SERVER``) or by a fixed bound; a LoRA is chosen by its registered id, never by a path.
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass
from typing import Any

from v2v.config import Config
from v2v.service.problems import ApiProblem

#: the value may not exceed the server's pipeline config value for the same key
SERVER = "server"


@dataclass(frozen=True)
class Bound:
    """``low``/``high``: numeric bounds (``high=SERVER``: the server config's value);
    ``items``/``length``: list size and string length caps."""

    low: float | None = None
    high: float | str | None = None
    items: int | None = None
    length: int | None = None


ANY = Bound()
PROMPT = Bound(length=500)
#: client-settable keys (fnmatch patterns over dotted keys) → their bounds
ALLOWED: dict[str, Bound] = {
    "phase[1234].enabled": ANY,
    # phase I (classical and GPU sanitizers)
    "phase1.detector.enabled": ANY,
    "phase1.detector.min_score": ANY,
    "phase1.detector.weak_score": ANY,
    "phase1.detector.margin": ANY,
    "phase1.detector.part_evidence": ANY,
    "phase1.detector.open_frame": ANY,
    "phase1.detector.scene_share": ANY,
    "phase1.detector.feet_slack": ANY,
    "phase1.detector.feet_reach": ANY,
    "phase1.detector.salient_animals": ANY,
    "phase1.detector.animal_union": ANY,
    "phase1.detector.subject": ANY,
    "phase1.vehicle_mask.enabled": ANY,
    "phase1.vehicle_mask.threshold": ANY,
    "phase1.vehicle_mask.refine": ANY,
    "phase1.vehicle_mask.colour_guide": ANY,
    "phase1.vehicle_mask.cut_occluders": ANY,
    "phase1.vehicle_mask.cut_below_bicycles": ANY,
    "phase1.vehicle_mask.thin_reach": ANY,
    "phase1.vehicle_mask.grabcut_guide": ANY,
    "phase1.vehicle_mask.faint_colours": ANY,
    "phase1.vehicle_mask.side_band": ANY,
    "phase1.vehicle_mask.remove_people": ANY,
    "phase1.vehicle_mask.fill_holes": ANY,
    "phase1.vehicle_mask.grow_colours": ANY,
    "phase1.vehicle_mask.snap_edges": ANY,
    "phase1.vehicle_mask.side_parts": ANY,
    "phase1.vehicle_mask.open_holes": ANY,
    "phase1.vehicle_mask.gaps": ANY,
    "phase1.vehicle_mask.coupling_gaps": ANY,
    "phase1.vehicle_mask.roof_gaps": ANY,
    "phase1.vehicle_mask.underside": ANY,
    "phase1.vehicle_mask.edge_grow": ANY,
    "phase1.vehicle_mask.waterline": ANY,
    "phase1.vehicle_mask.long_aspect": ANY,
    "phase1.vehicle_mask.resolution": Bound(high=SERVER),
    "phase1.text_removal.enabled": ANY,
    "phase1.text_removal.min_score": ANY,
    "phase1.text_removal.padding": ANY,
    "phase1.text_removal.detect_long_side": Bound(high=SERVER),
    "phase1.inpaint.method": ANY,
    "phase1.inpaint.radius": ANY,
    "phase1.inpaint.dilation": ANY,
    "phase1.detection.prompts": Bound(items=16, length=100),
    "phase1.detection.box_threshold": ANY,
    "phase1.detection.text_threshold": ANY,
    "phase1.detection.max_box_fraction": ANY,
    "phase1.detection.inside_vehicle": ANY,
    "phase1.segmentation.dilation": ANY,
    # phase II (classical and SDXL stylizers)
    "phase2.deshine.*": ANY,
    "phase2.edges.*": ANY,
    "phase2.flatten.*": ANY,
    "phase2.flatten.resolution": Bound(high=SERVER),
    "phase2.flatten.superpixels": Bound(high=SERVER),
    "phase2.prompt": PROMPT,
    "phase2.negative_prompt": PROMPT,
    "phase2.steps": Bound(high=SERVER),
    "phase2.guidance_scale": ANY,
    "phase2.resolution": Bound(high=SERVER),
    "phase2.controlnet.*": ANY,
    "phase2.lora.path": ANY,  # a registered LoRA id; checked by the caller (ownership)
    "phase2.lora.scale": ANY,
    "phase2.guard.enabled": ANY,
    "phase2.guard.min_iou": ANY,
    "phase2.guard.max_retries": Bound(high=SERVER),
    "phase2.guard.step": ANY,
    "phase2.guard.max_depth_weight": ANY,
    "phase2.guard.max_canny_weight": ANY,
    "phase2.guard.policy": ANY,
    # phase III and IV
    "phase3.upscale.enabled": ANY,
    "phase3.upscale.factor": ANY,
    "phase3.remove_specks": ANY,
    "phase3.min_area_percent": ANY,
    "phase4.strategy": ANY,
    "phase4.background": ANY,
    "phase4.min_path_area": ANY,
    "phase4.stroke.*": ANY,
    "phase4.vtracer.*": ANY,
    "phase4.centerline.*": ANY,
    # QA, output, input size
    "qa.enabled": ANY,
    "qa.policy": ANY,
    "qa.min_silhouette_iou": ANY,
    "qa.min_inside_subject": ANY,
    "qa.max_detail_loss": ANY,
    "qa.check_text": ANY,
    "qa.glyph_line_span": ANY,
    "qa.max_retries": Bound(high=SERVER),
    "qa.concurrent": ANY,
    "output.preview_long_side": Bound(high=SERVER),
    "input.work_long_side": Bound(high=SERVER),
}
LORA_KEY = "phase2.lora.path"


def bound_for(key: str) -> Bound | None:
    """The bound of a client-settable key (the most specific pattern wins), or None."""
    matches = [pattern for pattern in ALLOWED if fnmatch.fnmatchcase(key, pattern)]
    if not matches:
        return None
    return ALLOWED[max(matches, key=lambda p: (p.count("*") == 0, len(p)))]


def server_value(config: Config, key: str) -> Any:
    """The value of a dotted key in the server's config, or None when it has no such key."""
    node: Any = config
    for part in key.split("."):
        node = getattr(node, part, None)
        if node is None:
            return None
    return node


def _refuse(key: str, why: str) -> ApiProblem:
    return ApiProblem(422, "config_error", f"{key}: {why}")


def _check_value(key: str, value: Any, bound: Bound, config: Config) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise _refuse(key, "must be a finite number")
    if bound.length is not None:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and len(t) > bound.length for t in texts):
            raise _refuse(key, f"texts of at most {bound.length} characters, please")
    if bound.items is not None and isinstance(value, list) and len(value) > bound.items:
        raise _refuse(key, f"at most {bound.items} entries per request")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    high = server_value(config, key) if bound.high == SERVER else bound.high
    if isinstance(high, int | float) and value > high:
        source = "this server's pipeline config" if bound.high == SERVER else "the service"
        raise _refuse(key, f"at most {high} per request (the limit set by {source})")
    if bound.low is not None and value < bound.low:
        raise _refuse(key, f"at least {bound.low} per request")


def check_overrides(overrides: dict[str, Any], config: Config) -> None:
    """Refuse (422, naming the key) any key a client may not set and any value outside its
    bound; the config's own validation (types, ranges) runs afterwards."""
    for key, value in overrides.items():
        bound = bound_for(key)
        if bound is None:
            raise _refuse(
                key,
                "cannot be set per request (model choices, file paths and the service's limits "
                "come from the server's config; GET /api/v1/capabilities lists the options)",
            )
        _check_value(key, value, bound, config)
