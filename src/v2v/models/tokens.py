"""The trigger token: really added to both SDXL tokenizers, with an embedding row in both text
encoders, at training time and again at inference time.

The original appended ``<flt_vctr_style>`` to prompts without adding it to the tokenizer, so CLIP
split it into meaningless pieces. Here the token is added to each tokenizer, the text encoder's
embedding matrix grows when needed, and the new row is set to the mean embedding of a few plain
words (``trigger_init``). That row is a pure function of the base model, so inference rebuilds the
exact vector the LoRA was trained with from the card (trigger + trigger_init) without storing it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from v2v.errors import ConfigError, StageFailed, WeightsMissing


def caption(style_prompt: str, trigger: str) -> str:
    """The training caption, and the inference prompt for a LoRA with this trigger."""
    if trigger in style_prompt:
        return style_prompt
    return f"{style_prompt}, {trigger}" if style_prompt.strip() else trigger


def check_trigger_fits(tokenizers: tuple[Any, ...], prompt: str, trigger: str) -> None:
    """ConfigError when ``prompt`` (with the LoRA's trigger at its end) is longer than CLIP reads:
    the tokenizer would cut the trigger off and the LoRA would run without it. Training refuses
    such a caption; inference refuses such a prompt for the same reason."""
    for tokenizer in tokenizers:
        if tokenizer is None:
            continue
        length, limit = len(tokenizer(prompt).input_ids), int(tokenizer.model_max_length)
        if length > limit:
            raise ConfigError(
                f"phase2.prompt with the LoRA trigger {trigger!r} is {length} tokens; CLIP reads "
                f"{limit}, so the trigger would be cut off: shorten phase2.prompt"
            )


def install_trigger(tokenizer: Any, text_encoder: Any, trigger: str, init_words: str) -> int:
    """Add ``trigger`` to one tokenizer/text-encoder pair; returns its token id.

    Idempotent: installing the same trigger again sets the same embedding row.
    """
    import torch

    tokenizer.add_tokens([trigger])
    token_id = int(tokenizer.convert_tokens_to_ids(trigger))
    if tokenizer(trigger, add_special_tokens=False).input_ids != [token_id]:
        raise StageFailed(
            f"the tokenizer does not keep {trigger!r} as one token; choose another trigger"
        )
    embeddings = text_encoder.get_input_embeddings()
    if token_id >= embeddings.num_embeddings:
        text_encoder.resize_token_embeddings(len(tokenizer))
        embeddings = text_encoder.get_input_embeddings()
    init_ids = [
        i for i in tokenizer(init_words, add_special_tokens=False).input_ids if i != token_id
    ]
    if not init_ids:
        raise StageFailed(f"trigger_init {init_words!r} has no tokens; give a few plain words")
    with torch.no_grad():
        weight = embeddings.weight
        weight[token_id] = weight[init_ids].float().mean(dim=0).to(weight.dtype)
    _pool_at_eos(tokenizer, text_encoder)
    return token_id


def _pool_at_eos(tokenizer: Any, text_encoder: Any) -> None:
    """SDXL's CLIP configs carry the legacy ``eos_token_id: 2``, with which transformers pools at
    the highest token id: once a token is added that is the trigger, not the end of the prompt.
    Giving the text model the tokenizer's real end token makes it pool at the end again (prompts
    without added tokens pool where they always did)."""
    eos = getattr(tokenizer, "eos_token_id", None)
    if not eos or eos == 2:
        return
    for module in text_encoder.modules():  # the CLIP text transformer, wherever it is nested
        if getattr(module, "eos_token_id", None) == 2 and hasattr(module, "final_layer_norm"):
            module.eos_token_id = int(eos)


def install_in_pipeline(pipe: Any, trigger: str, init_words: str) -> None:
    """Install the trigger in an SDXL pipeline's two tokenizers and text encoders."""
    for tokenizer, encoder in (
        (pipe.tokenizer, pipe.text_encoder),
        (pipe.tokenizer_2, pipe.text_encoder_2),
    ):
        if tokenizer is not None and encoder is not None:
            install_trigger(tokenizer, encoder, trigger, init_words)


def card_path(lora_file: Path) -> Path:
    """The JSON card that sits beside a LoRA file (``<id>.safetensors`` → ``<id>.json``)."""
    return lora_file.with_suffix(".json")


def read_trigger(lora_file: Path) -> tuple[str, str] | None:
    """(trigger, trigger_init) from the card beside ``lora_file``; None when there is no card
    (a LoRA trained elsewhere)."""
    path = card_path(lora_file)
    if not path.is_file():
        return None
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
        trigger, init_words = card["trigger"], card["trigger_init"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WeightsMissing(
            f"the LoRA card {path} cannot be read ({type(exc).__name__}: {exc}); "
            "restore it from the training run or delete it to use the LoRA without its trigger"
        ) from None
    return str(trigger), str(init_words)
