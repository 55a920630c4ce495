"""A short LoRA run on tiny SDXL + ControlNet components: it learns, writes one registered
artifact that phase II loads, resumes exactly from a checkpoint, stops on cancel, cleans up."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.training.conftest import NEEDS_TRAIN, QUICK, drawn_pair, fast_config

pytest.importorskip("peft", reason=NEEDS_TRAIN)
pytest.importorskip("diffusers", reason=NEEDS_TRAIN)
pytestmark = pytest.mark.usefixtures("one_torch_thread")

from tests.gpu.conftest import linked_copy  # noqa: E402
from v2v.context import RunContext  # noqa: E402
from v2v.errors import Cancelled, InputError  # noqa: E402
from v2v.training import (  # noqa: E402
    TrainingResult,
    TrainingStatus,
    delete_lora,
    get_lora,
    list_loras,
    parse_params,
    train_lora,
)


@dataclass
class Run:
    result: TrainingResult
    statuses: list[TrainingStatus]
    models: Path
    temp: Path


def leftovers(temp: Path) -> list[str]:
    return [p.name for p in temp.iterdir() if p.name.startswith("v2v-train-")]


@pytest.fixture(scope="module")
def temp_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every temporary folder of the runs in this module goes here (so leftovers are visible)."""
    root = tmp_path_factory.mktemp("tmp")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(root))
        yield root


@pytest.fixture(scope="module")
def trained(
    tiny_models_dir: Path,
    pairs_dir: Path,
    temp_root: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Run:
    models = linked_copy(tiny_models_dir, tmp_path_factory.mktemp("trained") / "models")
    statuses: list[TrainingStatus] = []
    result = train_lora(
        pairs_dir, parse_params(QUICK), fast_config(models), on_status=statuses.append
    )
    return Run(result, statuses, models, temp_root)


def test_a_short_run_lowers_the_training_loss(trained: Run) -> None:
    loss = trained.result.card["loss"]
    assert loss["train_after"] < 0.98 * loss["train_before"]
    assert loss["validation"][-1] < loss["validation"][0]
    assert len(loss["train"]) == len(loss["validation"]) == QUICK["epochs"]


def test_the_run_reports_epochs_steps_losses_eta_and_log_lines(trained: Run) -> None:
    steps = [s for s in trained.statuses if s.stage == "training" and s.step > 0]
    reported = [s.step for s in steps]
    assert reported == sorted(reported) and set(reported) == set(range(1, 2 * QUICK["epochs"] + 1))
    assert steps[-1].step == steps[-1].total_steps == 2 * QUICK["epochs"]  # 8 train pairs / 4
    assert steps[-1].epoch == QUICK["epochs"] and steps[-1].epochs == QUICK["epochs"]
    assert any(s.eta_seconds is not None and s.eta_seconds > 0 for s in steps[:-1])
    progress = [s.progress for s in trained.statuses]
    assert progress == sorted(progress) and progress[-1] == 1.0
    final = trained.result.status
    assert final.lora_id == trained.result.lora.id and len(final.val_loss) == QUICK["epochs"]
    assert any("epoch 1/" in line and "validation loss" in line for line in final.log)
    assert any("checkpoint at step 2" in line for line in final.log)


def test_the_artifact_is_one_diffusers_lora_file_with_its_card(trained: Run) -> None:
    from safetensors import safe_open

    info = trained.result.lora
    assert info.id.startswith("tiny-style-")
    assert sorted(p.name for p in (trained.models / "loras").iterdir()) == [
        f"{info.id}.json",
        f"{info.id}.safetensors",
    ]
    with safe_open(str(info.path), "pt") as handle:
        keys, metadata = list(handle.keys()), handle.metadata()
    assert keys and all(k.startswith("unet.") and ".lora" in k for k in keys)
    adapter = json.loads(metadata["lora_adapter_metadata"])
    assert adapter["unet.r"] == QUICK["rank"] and adapter["unet.lora_alpha"] == QUICK["alpha"]
    card = json.loads(info.path.with_suffix(".json").read_text())
    assert card["trigger"] == "<v2v-style>" and card["caption"].endswith(", <v2v-style>")
    assert card["base_model"]["folder"].endswith("sdxl") and card["base_model"]["unet_weights"]
    assert card["parameters"]["rank"] == QUICK["rank"] and card["resolution"] == 64
    assert card["data"]["pairs"] == 10
    assert len(card["data"]["train"]) == 8 and len(card["data"]["validation"]) == 2
    assert [lora.id for lora in list_loras(trained.models)] == [info.id]
    assert get_lora(info.id, trained.models).card == card


def test_no_temporary_folder_is_left_behind(trained: Run) -> None:
    assert leftovers(trained.temp) == []


def test_the_lora_loads_into_phase2_with_its_trigger_and_changes_the_output(
    trained: Run,
) -> None:
    from v2v.artefacts import CleanImage
    from v2v.models import sdxl
    from v2v.models.runtime import CACHE, Runtime
    from v2v.stages.stylize.sdxl_controlnet import SdxlControlNetStylizer

    config = fast_config(trained.models)
    photo = drawn_pair(3)[0]
    clean = CleanImage(photo, np.ones(photo.shape[:2], bool), np.zeros(photo.shape[:2], bool))

    def stylize(scale: float) -> Any:
        phase2 = config.phase2.model_copy(
            update={
                "lora": config.phase2.lora.model_copy(
                    update={"path": trained.result.lora.id, "scale": scale}
                )
            }
        )
        return SdxlControlNetStylizer(phase2, config.models).run(clean, RunContext(seed=3))

    CACHE.release()
    try:
        muted, styled = stylize(0.0), stylize(1.0)  # scale 1 last: its scaling is checked
        runtime = Runtime.from_config(config.models, "test")
        pipeline, _ = sdxl.load(runtime, config.phase2.attention, config.phase2.cpu_offload)
        assert pipeline.trigger == "<v2v-style>"
        for tokenizer in (pipeline.pipe.tokenizer, pipeline.pipe.tokenizer_2):
            token = tokenizer.convert_tokens_to_ids("<v2v-style>")
            assert tokenizer("<v2v-style>", add_special_tokens=False).input_ids == [token]
        layer = pipeline.pipe.unet.down_blocks[1].attentions[0].transformer_blocks[0].attn1.to_q
        assert layer.scaling["style"] == pytest.approx(QUICK["alpha"] / QUICK["rank"])
    finally:
        CACHE.release()
    assert styled.notes["lora"] == str(trained.result.lora.path)
    assert np.abs(styled.pixels.astype(int) - muted.pixels).mean() > 0.5


def test_cancel_stops_within_one_step_and_resume_continues_exactly(
    trained: Run, pairs_dir: Path, tmp_path: Path
) -> None:
    from safetensors.torch import load_file

    models = linked_copy(trained.models.resolve(), tmp_path / "models", skip=("loras",))
    config, params, checkpoints = fast_config(models), parse_params(QUICK), tmp_path / "ckpt"
    ctx, seen = RunContext(), []

    def cancel_at_step_3(status: TrainingStatus) -> None:
        seen.append(status.step)
        if status.step == 3:
            ctx.cancel()

    with pytest.raises(Cancelled):
        train_lora(
            pairs_dir,
            params,
            config,
            ctx=ctx,
            checkpoint_dir=checkpoints,
            on_status=cancel_at_step_3,
        )
    assert max(seen) == 3  # no step after the one during which cancel came
    assert sorted(p.name for p in checkpoints.iterdir()) == ["step-00000002.pt", "step-00000003.pt"]
    assert leftovers(trained.temp) == [] and not (models / "loras").exists()

    with pytest.raises(InputError, match=r"different run \(rank: 16 then, 8 now"):
        train_lora(
            pairs_dir,
            parse_params({**QUICK, "rank": 8}),
            config,
            checkpoint_dir=checkpoints,
            resume=True,
        )
    resumed_steps: list[int] = []
    result = train_lora(
        pairs_dir,
        params,
        config,
        checkpoint_dir=checkpoints,
        resume=True,
        on_status=lambda s: resumed_steps.append(s.step),
    )
    assert min(s for s in resumed_steps if s > 0) == 4 and max(resumed_steps) == 2 * QUICK["epochs"]
    assert any("resumed from the checkpoint at step 3" in line for line in result.status.log)
    assert result.card["loss"] == trained.result.card["loss"]
    resumed, straight = load_file(result.lora.path), load_file(trained.result.lora.path)
    assert all(np.allclose(resumed[k].numpy(), straight[k].numpy(), atol=1e-6) for k in straight)
    assert not checkpoints.exists()  # removed after success
    assert leftovers(trained.temp) == []


def test_delete_removes_the_file_and_its_card(trained: Run, tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / "loras").mkdir(parents=True)
    source = trained.result.lora.path
    for suffix in (".safetensors", ".json"):
        (models / "loras" / f"copy{suffix}").write_bytes(source.with_suffix(suffix).read_bytes())
    assert delete_lora("copy", models).id == "copy"
    assert list((models / "loras").iterdir()) == []
    with pytest.raises(InputError, match="no LoRA 'copy'"):
        get_lora("copy", models)
    with pytest.raises(InputError, match="not a LoRA id"):
        delete_lora("../sdxl", models)
