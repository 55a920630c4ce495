"""The trigger is one token in the tokenizer, with an embedding row that training and inference
rebuild identically, and the prompt's pooled embedding stays at its end token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.training.conftest import NEEDS_TRAIN

torch = pytest.importorskip("torch", reason=NEEDS_TRAIN)
transformers = pytest.importorskip("transformers", reason=NEEDS_TRAIN)

from v2v.models.tokens import caption, install_trigger  # noqa: E402


def tiny_clip(folder: Path) -> tuple[object, object]:
    """A character-level CLIP tokenizer whose end token is its last id (as in real CLIP, not 2),
    and a CLIP text model whose config says ``eos_token_id: 2``, as SDXL's do."""
    vocab = {"<|startoftext|>": 0, "!": 1, "<|padding|>": 2}
    for char in "abcdefghijklmnopqrstuvwxyz,":
        vocab[char] = len(vocab)
        vocab[f"{char}</w>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = transformers.CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"))
    config = transformers.CLIPTextConfig(
        vocab_size=len(vocab) + 4,
        hidden_size=16,
        intermediate_size=16,
        num_attention_heads=2,
        num_hidden_layers=1,
        max_position_embeddings=77,
        bos_token_id=0,
        eos_token_id=2,
        pad_token_id=1,
    )
    torch.manual_seed(0)
    return tokenizer, transformers.CLIPTextModel(config).eval()


def test_the_trigger_becomes_one_token_with_the_mean_embedding_of_its_words(
    tmp_path: Path,
) -> None:
    tokenizer, encoder = tiny_clip(tmp_path)
    rows = encoder.get_input_embeddings().num_embeddings
    token = install_trigger(tokenizer, encoder, "<v2v-style>", "flat vector")
    assert tokenizer("a <v2v-style>", add_special_tokens=False).input_ids[-1] == token
    weight = encoder.get_input_embeddings().weight
    assert weight.shape[0] >= max(rows, token + 1)
    words = tokenizer("flat vector", add_special_tokens=False).input_ids
    assert torch.allclose(weight[token], weight[words].mean(dim=0))
    before = weight.clone()
    assert install_trigger(tokenizer, encoder, "<v2v-style>", "flat vector") == token
    assert torch.equal(encoder.get_input_embeddings().weight, before)  # idempotent


def test_the_pooled_prompt_embedding_stays_at_the_end_token(tmp_path: Path) -> None:
    tokenizer, encoder = tiny_clip(tmp_path)
    install_trigger(tokenizer, encoder, "<v2v-style>", "flat vector")
    ids = tokenizer(caption("flat car", "<v2v-style>"), return_tensors="pt").input_ids
    with torch.no_grad():
        out = encoder(ids)
    end = int((ids[0] == tokenizer.eos_token_id).nonzero()[0])
    assert ids[0, end - 1] == tokenizer.convert_tokens_to_ids("<v2v-style>")
    assert torch.allclose(out.pooler_output[0], out.last_hidden_state[0, end])


def test_the_caption_appends_the_trigger_once() -> None:
    assert caption("flat vector", "<v2v-style>") == "flat vector, <v2v-style>"
    assert caption("<v2v-style> flat", "<v2v-style>") == "<v2v-style> flat"
    assert caption("", "<v2v-style>") == "<v2v-style>"
