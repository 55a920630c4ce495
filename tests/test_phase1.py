"""Phase I (sanitize, CPU backend) on drawn cars: vehicle mask, text/plate removal, switches."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from tests.conftest import CAR_BODY
from v2v import Palette
from v2v.artefacts import Box, CleanImage, Photo
from v2v.config import InpaintConfig, Phase1Config, VehicleMaskConfig, load_config
from v2v.context import RunContext
from v2v.qa import run_checks
from v2v.stages import SANITIZERS, load_backends
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.grabcut import grabcut_in_box, seen_at_all
from v2v.stages.sanitize.inpaint import detail_loss, dilate, inpaint
from v2v.stages.sanitize.mask import vehicle_mask
from v2v.stages.sanitize.maskops import fill_holes, keep_vehicle
from v2v.stages.sanitize.occluders import cut_occluders
from v2v.stages.sanitize.regions import plate_rectangle
from v2v.stages.sanitize.text import TextBox, TextDetector

BODY = CAR_BODY
PLATE = (255, 200, 405, 240)  # x0, y0, x1, y1 of the white plate


def draw_scene(
    plate_text: str | None = "AB12 CDE", textured: bool = False, extra_object: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """A side-view red car (RGB uint8 (400, W, 3)) and its true mask (bool (400, W)).

    ``textured``: a busy background (random tiles) instead of a plain one. ``extra_object``:
    the canvas is wider and a tall yellow figure stands against the car's tail (x 596..680).
    """
    rng = np.random.default_rng(7)
    width, height = (860 if extra_object else 640), 400
    image = np.full((height, width, 3), (222, 228, 232), np.uint8)
    if textured:
        tiles = rng.integers(90, 200, (height // 20 + 1, width // 20 + 1, 3)).astype(np.uint8)
        image = cv2.resize(tiles, None, fx=20, fy=20, interpolation=cv2.INTER_NEAREST)
        image = np.ascontiguousarray(image[:height, :width])
    image[320:] = (150, 150, 140)
    truth = np.zeros((height, width), np.uint8)
    cv2.fillPoly(image, [BODY], (200, 30, 40))
    cv2.fillPoly(truth, [BODY], 1)
    window = np.array([[275, 132], [420, 132], [470, 180], [230, 180]], np.int32)
    cv2.fillPoly(image, [window], (50, 60, 75))
    for cx in (160, 490):
        cv2.circle(image, (cx, 265), 42, (25, 25, 28), -1)
        cv2.circle(image, (cx, 265), 18, (170, 175, 180), -1)
        cv2.circle(truth, (cx, 265), 42, 1, -1)
    if plate_text:
        x0, y0, x1, y1 = PLATE
        cv2.rectangle(image, (x0, y0), (x1, y1), (245, 245, 245), -1)
        cv2.putText(
            image,
            plate_text,
            (x0 + 8, y0 + 30),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.9,
            (10, 10, 10),
            2,
            cv2.LINE_AA,
        )
    if extra_object:
        cv2.ellipse(image, (638, 140), (28, 34), 0, 0, 360, (230, 180, 20), -1)
        cv2.rectangle(image, (596, 175), (680, 380), (230, 180, 20), -1)
    noise = rng.normal(0, 3, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8), truth.astype(bool)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def sanitize(rgb: np.ndarray, config: Phase1Config | None = None, **photo: object) -> CleanImage:
    sanitizer = ClassicalSanitizer(config or Phase1Config())
    size = (rgb.shape[1], rgb.shape[0])
    return sanitizer.run(Photo(rgb, size, **photo), RunContext())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def plated() -> tuple[np.ndarray, np.ndarray, CleanImage]:
    rgb, truth = draw_scene()
    return rgb, truth, sanitize(rgb)


def test_classical_backend_is_registered() -> None:
    load_backends()
    assert SANITIZERS.get("classical") is ClassicalSanitizer


def test_vehicle_mask_covers_the_drawn_car(
    plated: tuple[np.ndarray, np.ndarray, CleanImage],
) -> None:
    _, truth, clean = plated
    assert clean.vehicle_mask.dtype == np.bool_ and clean.vehicle_mask.shape == truth.shape
    assert iou(clean.vehicle_mask, truth) >= 0.9


def test_vehicle_mask_on_a_busy_background() -> None:
    rgb, truth = draw_scene(plate_text=None, textured=True)
    clean = sanitize(rgb, Phase1Config(text_removal={"enabled": False}))
    assert iou(clean.vehicle_mask, truth) >= 0.9


def test_plate_text_is_found_removed_and_unreadable(
    plated: tuple[np.ndarray, np.ndarray, CleanImage],
) -> None:
    rgb, _, clean = plated
    plates = [r for r in clean.removals if r.kind == "licence_plate"]
    assert len(plates) == 1 and "AB12" in plates[0].text.replace(" ", "")
    x0, y0, x1, y1 = PLATE
    assert clean.removed_mask[y0 + 4 : y1 - 4, x0 + 4 : x1 - 4].all()
    assert not TextDetector.shared().detect(clean.pixels, min_score=0.5)
    # the plate's white is gone too, and nothing outside the removed pixels changed
    assert clean.pixels[y0 + 5 : y1 - 5, x0 + 5 : x1 - 5].mean(axis=(0, 1))[1] < 120
    untouched = ~clean.removed_mask
    assert np.array_equal(clean.pixels[untouched], rgb[untouched])
    # removing a plate this big (3 % of the picture) is a real loss of detail; the README's
    # limit (0.03) is QA's to enforce: the run says so instead of passing silently
    assert clean.detail_loss > 0.03
    qa = run_checks(load_config(), Palette.load("default"), clean, None)
    assert not qa.passed and any(f.startswith("detail loss") for f in qa.failures)


def test_report_states_what_the_cpu_backend_cannot_remove(
    plated: tuple[np.ndarray, np.ndarray, CleanImage],
) -> None:
    _, _, clean = plated
    said = " ".join(clean.limitations).lower()
    assert "side mirrors" in said and "logos" in said
    assert clean.notes["timings"]["vehicle_mask"] > 0


def test_hint_box_keeps_out_a_second_object() -> None:
    rgb, truth = draw_scene(plate_text=None, extra_object=True)
    figure = np.zeros_like(truth)
    figure[110:381, 606:681] = True
    config = Phase1Config(text_removal={"enabled": False}, detector={"enabled": False})
    unhinted = sanitize(rgb, config)
    assert (unhinted.vehicle_mask & figure).sum() > 0.5 * figure.sum()  # saliency takes both
    clean = sanitize(rgb, config, hint=Box(40, 100, 602, 330))
    assert not (clean.vehicle_mask & figure).any()
    assert not clean.vehicle_mask[:, 602:].any() and not clean.vehicle_mask[:100].any()
    assert iou(clean.vehicle_mask, truth) >= 0.85


def test_legs_below_the_ground_line_are_cut_and_wheels_kept() -> None:
    mask = np.zeros((300, 400), bool)
    mask[100:200, 40:360] = True  # body
    for cx in (90, 310):
        cv2.circle(mask.view(np.uint8), (cx, 200), 30, 1, -1)  # wheels reach y = 230
    mask[120:290, 180:196] = True  # a leg of someone in front, down to y = 290
    mask[120:290, 204:220] = True
    cut, parts, posts = cut_occluders(mask)
    assert len(parts) == 2 and posts == [] and not cut[240:, :].any()
    assert sorted(p.x0 for p in parts) == [180, 204] and all(p.y1 == 290 for p in parts)
    assert cut[195:230, 60:120].sum() == mask[195:230, 60:120].sum()  # wheels untouched
    assert cut[120:200, 180:220].all()  # where the legs overlap the body it stays vehicle
    assert cut_occluders(cut)[1:] == ([], [])


def test_alpha_of_a_cutout_is_the_vehicle_mask() -> None:
    rgb, _ = draw_scene(plate_text=None)
    alpha = np.zeros(rgb.shape[:2], bool)
    cv2.ellipse(alpha.view(np.uint8), (320, 200), (200, 90), 0, 0, 360, 1, -1)
    clean = sanitize(rgb, Phase1Config(text_removal={"enabled": False}), alpha=alpha)
    assert np.array_equal(clean.vehicle_mask, alpha)


def test_switches_really_skip(plated: tuple[np.ndarray, np.ndarray, CleanImage]) -> None:
    rgb, _, _ = plated
    config = Phase1Config(text_removal={"enabled": False}, vehicle_mask={"enabled": False})
    clean = sanitize(rgb, config)
    assert np.array_equal(clean.pixels, rgb)
    assert not clean.removed_mask.any() and clean.removals == ()
    assert clean.vehicle_mask.all() and clean.detail_loss == 0.0
    said = " ".join(clean.limitations)
    assert "text_removal.enabled" in said and "vehicle_mask.enabled" in said


def test_text_detector_is_shared_across_threads() -> None:
    found: list[TextDetector] = []
    threads = [
        threading.Thread(target=lambda: found.append(TextDetector.shared())) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(d) for d in found}) == 1 and found[0] is TextDetector.shared()


def test_text_detector_reads_plate_text() -> None:
    rgb, _ = draw_scene()
    boxes = TextDetector.shared().detect(rgb, min_score=0.5)
    plate = [b for b in boxes if "AB12" in b.text.replace(" ", "")]
    assert plate and plate[0].readable and plate[0].polygon.shape == (4, 2)
    x0, y0, x1, y1 = PLATE
    box = plate[0].box
    assert x0 - 5 <= box.x0 < box.x1 <= x1 + 5 and y0 - 5 <= box.y0 < box.y1 <= y1 + 5


def _textbox(x0: int, y0: int, x1: int, y1: int) -> TextBox:
    polygon = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
    return TextBox(Box(x0, y0, x1, y1), 0.9, "AB12", polygon)


def test_plate_needs_dark_text_on_a_bright_rectangle() -> None:
    image = np.full((200, 400, 3), (30, 60, 160), np.uint8)
    cv2.rectangle(image, (100, 80), (260, 122), (240, 240, 240), -1)
    cv2.putText(image, "AB12", (120, 112), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 0, 0), 2)
    plate = plate_rectangle(image, _textbox(112, 86, 200, 118))
    assert plate is not None and abs(plate.x0 - 100) <= 2 and abs(plate.x1 - 261) <= 2
    light_on_dark = np.full((200, 400, 3), (30, 60, 160), np.uint8)
    cv2.putText(light_on_dark, "AB12", (120, 112), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (255,) * 3, 2)
    assert plate_rectangle(light_on_dark, _textbox(112, 86, 200, 118)) is None


def test_fill_holes_and_far_blobs() -> None:
    mask = np.zeros((100, 200), bool)
    mask[20:80, 20:120] = True
    mask[40:60, 50:80] = False  # a window seen through
    mask[10:20, 180:195] = True  # a far blob
    mask[50:55, 122:126] = True  # a piece just beside the vehicle
    kept = keep_vehicle(mask)
    assert not kept[10:20, 180:195].any() and kept[50:55, 122:126].all()
    assert fill_holes(kept)[40:60, 50:80].all()
    edge = np.zeros((50, 50), bool)
    edge[:, 10:40] = True
    edge[:20, 20:30] = False  # a notch open to the image border is not a hole
    assert not fill_holes(edge)[:20, 20:30].any()


def test_inpaint_and_detail_loss() -> None:
    rgb = np.full((120, 200, 3), (200, 30, 40), np.uint8)
    cv2.putText(rgb, "XY", (60, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
    region = dilate(np.all(rgb == 255, axis=2), 5)
    vehicle = np.ones(rgb.shape[:2], bool)
    for method in ("telea", "navier-stokes"):
        filled = inpaint(rgb, region, InpaintConfig(method=method, radius=3))
        assert np.abs(filled[region].astype(int) - (200, 30, 40)).max() < 40
        assert np.array_equal(filled[~region], rgb[~region])
        assert 0.0 < detail_loss(rgb, filled, vehicle) < 0.2
    assert detail_loss(rgb, rgb.copy(), vehicle) == 0.0


def test_refine_off_still_finds_the_car() -> None:
    rgb, truth = draw_scene(plate_text=None)
    config = Phase1Config(
        vehicle_mask=VehicleMaskConfig(refine=False, fill_holes=False),
        text_removal={"enabled": False},
    )
    clean = sanitize(rgb, config)
    assert iou(clean.vehicle_mask, truth) >= 0.85
    assert clean.notes["vehicle_mask"]["focus_box"] is not None


def test_grabcut_finds_the_car_in_a_hint_box_without_saliency() -> None:
    rgb, truth = draw_scene(plate_text=None)
    nothing = np.zeros(truth.shape, np.float32)
    mask = grabcut_in_box(rgb, nothing, Box(40, 100, 620, 320))
    assert not mask[:, 620:].any() and not mask[:100].any()
    assert iou(mask, truth) >= 0.8
    whole = grabcut_in_box(rgb, nothing, Box(0, 0, rgb.shape[1], rgb.shape[0]))
    assert whole.dtype == np.bool_ and whole.shape == truth.shape


def test_grabcut_gives_the_same_mask_whatever_ran_before() -> None:
    # GrabCut's k-means draws from OpenCV's global random state: the same photo must give the
    # same mask however many photos were converted before it in the process.
    rng = np.random.default_rng(7)
    rgb, truth = draw_scene(plate_text=None)
    noisy = np.clip(rgb.astype(np.int16) + rng.integers(-40, 40, rgb.shape), 0, 255)
    noisy = noisy.astype(np.uint8)
    nothing = np.zeros(truth.shape, np.float32)
    masks = []
    for seed in (1, 2, 3):
        cv2.setRNGSeed(seed)  # another photo's GrabCut ran before
        masks.append(grabcut_in_box(noisy, nothing, Box(40, 100, 620, 320)))
    assert all(np.array_equal(masks[0], m) for m in masks[1:])


def test_grabcut_keeps_a_thin_frame_that_saliency_sees_only_as_two_wheels() -> None:
    # Saliency often marks a bicycle's wheels and misses the thin frame between them: then the
    # box, not saliency, is GrabCut's prior, and the frame stays in the mask.
    rng = np.random.default_rng(3)
    h, w = 300, 400
    rgb = np.clip(rng.normal((120, 90, 60), 12, (h, w, 3)), 0, 255).astype(np.uint8)
    frame = np.zeros((h, w), np.uint8)
    corners = np.array([[80, 240], [200, 110], [320, 240]], np.int32)
    cv2.polylines(frame, [corners], True, 1, 12)
    wheels = np.zeros((h, w), np.uint8)
    for x in (80, 320):
        cv2.circle(wheels, (x, 240), 45, 1, -1)
    rgb[frame > 0] = (200, 30, 40)
    rgb[wheels > 0] = (30, 30, 30)
    seen = cv2.GaussianBlur(wheels.astype(np.float32), (0, 0), 2)  # two pieces, no frame
    mask = grabcut_in_box(rgb, seen, Box(30, 90, 370, 290))
    tube = (frame > 0) & (wheels == 0)
    assert mask[tube].mean() > 0.8, "the frame between the wheels is part of the vehicle"
    assert mask[wheels > 0].mean() > 0.9


def test_a_bicycles_frame_does_not_take_in_the_ground_it_encloses() -> None:
    # GrabCut joins a frame's tubes with the ground seen between them; saliency sees the tubes
    # faintly and the ground not at all: only what saliency sees at all stays.
    h, w = 300, 400
    frame = np.zeros((h, w), np.uint8)
    corners = np.array([[80, 240], [200, 110], [320, 240]], np.int32)
    cv2.polylines(frame, [corners], True, 1, 8)
    filled = np.zeros((h, w), np.uint8)
    cv2.fillPoly(filled, [corners], 1)
    wheels = np.zeros((h, w), np.uint8)
    for x in (80, 320):
        cv2.circle(wheels, (x, 240), 45, 1, -1)
    grabcut = (filled | frame | wheels) > 0  # the bicycle and the ground inside its frame
    faint = np.where(wheels > 0, 0.9, np.where(frame > 0, 0.1, 0.0)).astype(np.float32)
    kept = seen_at_all(grabcut, faint)
    near = cv2.dilate(frame | wheels, np.ones((9, 9), np.uint8))
    enclosed = (filled > 0) & (near == 0)
    assert kept[frame > 0].all(), "the tubes stay"
    assert not kept[enclosed].any(), "the ground between them goes"
    # saliency that misses the vehicle altogether does not erase GrabCut's mask
    assert np.array_equal(seen_at_all(grabcut, np.zeros((h, w), np.float32)), grabcut)


def test_a_bicycles_mask_keeps_the_background_inside_its_frame() -> None:
    frame = np.zeros((300, 400), bool)
    cv2.polylines(frame.view(np.uint8), [np.array([[80, 240], [200, 110], [320, 240]])], True, 1, 8)
    rgb = np.full((300, 400, 3), (90, 140, 60), np.uint8)
    rgb[frame] = (220, 40, 160)
    prob = np.where(frame, 0.95, 0.0).astype(np.float32)

    class Seen:
        def probability(self, image: np.ndarray, side: int | None = None) -> np.ndarray:
            return cv2.resize(prob, (image.shape[1], image.shape[0]))

    box = Box(60, 90, 340, 260)
    config = VehicleMaskConfig(open_holes=None)  # every hole filled: not the scene's colours
    for thin in (False, True):
        found = vehicle_mask(rgb, config, model=Seen(), subject=box, thin=thin)  # type: ignore[arg-type]
        assert found.mask[200, 200] == (not thin), "holes are filled, a frame's inside is not"


def test_rapidocr_reads_its_model_list_once() -> None:
    """rapidocr loads its 1,600-line model list into OmegaConf in two modules; the text
    detector's import gives the second the first's (a cold process saves 0.1-0.3 s)."""
    import sys

    from omegaconf import OmegaConf

    from v2v.stages.sanitize.text import _model_list_read_once

    load = OmegaConf.load
    saved = {
        name: sys.modules.pop(name) for name in list(sys.modules) if name.startswith("rapidocr")
    }
    try:
        with _model_list_read_once():
            import rapidocr.inference_engine.base as base
            import rapidocr.utils.model_resolver as resolver
        assert base.InferSession.model_info is resolver._MODEL_CONFIG
        assert "onnxruntime" in base.InferSession.model_info
        assert OmegaConf.load is load  # as it was once the import is done
    finally:
        for name in [n for n in sys.modules if n.startswith("rapidocr")]:
            del sys.modules[name]
        sys.modules.update(saved)
