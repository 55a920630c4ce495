"""Turning pairs into training samples with the pipeline's own phase I and phase II preprocessors.

Input photo → ``Pipeline.sanitize`` (phase I: vehicle mask, logos/plates/text removed) → depth map
of the clean image and Canny of its de-shined version, resized exactly as the SDXL backend does at
inference (``control_images``). The control images condition the ControlNets during training; the
target illustration, resized to the same size, is what the LoRA learns to produce.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.config import Config
from v2v.context import RunContext
from v2v.errors import InputError
from v2v.imaging import decode
from v2v.models.runtime import Runtime
from v2v.stages.stylize.sdxl_controlnet import (
    SdxlControlNetConfig,
    control_images,
    control_size,
    deshine,
)
from v2v.training.gallery import Gallery
from v2v.training.pairs import Pair
from v2v.training.retry import Sanitizer
from v2v.training.status import PREPARE_SHARE, Reporter

#: a photo in which phase I marks less than this fraction as vehicle has no usable vehicle
MIN_VEHICLE_FRACTION = 0.005
BACKEND = "training"


@dataclass(frozen=True)
class Sample:
    """One prepared pair at the training size (h, w): both multiples of 8.

    target: RGB uint8 (h, w, 3), the illustration. depth: uint8 (h, w), 0..255, near = bright.
    canny: uint8 (h, w), 0/255. vehicle_fraction: share of the photo phase I marked as vehicle.
    """

    name: str
    target: NDArray[np.uint8]
    depth: NDArray[np.uint8]
    canny: NDArray[np.uint8]
    vehicle_fraction: float

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) at the training size."""
        return int(self.target.shape[1]), int(self.target.shape[0])


def prepare_samples(
    pairs: list[Pair],
    config: Config,
    stylize: SdxlControlNetConfig,
    resolution: int,
    runtime: Runtime,
    ctx: RunContext,
    reporter: Reporter,
    attempts: int = 1,
    gallery: Gallery | None = None,
) -> list[Sample]:
    """Every pair through phase I (retried with lower thresholds on a photo in which it finds no
    vehicle, up to ``attempts`` tries) and the phase II preprocessors; InputError naming each
    photo in which phase I found no vehicle (after all were tried). ``gallery``: where to keep
    the preprocessed images for people to look at."""
    sanitizer = Sanitizer(config, attempts, MIN_VEHICLE_FRACTION)
    samples, problems = [], []
    for index, pair in enumerate(pairs):
        ctx.check_cancelled()
        sample, tries, changes = _prepare(
            pair, sanitizer, stylize, resolution, runtime, ctx, gallery
        )
        if tries > 1:
            found = "found" if sample.vehicle_fraction >= MIN_VEHICLE_FRACTION else "no"
            reporter.log(f"phase I on {pair.name}: {tries} attempts, {found} vehicle ({changes})")
        if sample.vehicle_fraction < MIN_VEHICLE_FRACTION:
            problems.append(
                f"inputs/{pair.input_path.name}: phase I found no vehicle ({tries} attempts)"
            )
        samples.append(sample)
        share = PREPARE_SHARE * 0.8 * (index + 1) / len(pairs)
        reporter.stage("preparing", share, f"prepared {pair.name} ({index + 1}/{len(pairs)})")
    if problems:
        raise InputError(
            "phase I found no vehicle in some inputs (replace or remove these pairs): "
            + "; ".join(problems)
        )
    return samples


def _prepare(
    pair: Pair,
    sanitizer: Sanitizer,
    stylize: SdxlControlNetConfig,
    resolution: int,
    runtime: Runtime,
    ctx: RunContext,
    gallery: Gallery | None,
) -> tuple[Sample, int, dict[str, float]]:
    from v2v.models import depth

    photo = decode(pair.input_path, sanitizer.config.input, name=pair.name)
    clean, tries, changes = sanitizer.sanitize(photo, ctx)
    height, width = clean.pixels.shape[:2]
    size = control_size(width, height, resolution)
    depth_map = depth.depth_map(clean.pixels, runtime, BACKEND)
    depth_control, canny_control = control_images(
        depth_map, deshine(clean.pixels, stylize.deshine), size, stylize
    )
    target = decode(pair.target_path, sanitizer.config.input, name=pair.name).pixels
    target = np.asarray(cv2.resize(target, size, interpolation=cv2.INTER_AREA), np.uint8)
    if gallery is not None:
        images = {
            "raw_inputs": photo.pixels,
            "phase1_outputs": clean.pixels,
            "phase2_depth": depth_control,
            "phase2_edge": canny_control,
            "targets": target,
        }
        gallery.add(pair.name, images, tries, changes)
    sample = Sample(
        pair.name,
        target,
        depth_control,
        canny_control,
        float(clean.vehicle_mask.mean()),
    )
    return sample, tries, changes
