"""LiveBytes: the memory a block of PyTorch code holds at its peak, counted tensor by tensor.

Works on fake tensors (``FakeTensorMode``: shapes without storage), so a model far larger than
this machine's memory can be traced, and on real tensors alike.
"""

from __future__ import annotations

import weakref
from typing import Any

from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves
from torch.utils.weak import WeakIdKeyDictionary


class LiveBytes(TorchDispatchMode):
    """The bytes of the tensor storages created inside it that are still alive, and their peak.

    Storages are counted once, however many views share them, and freed when Python frees them;
    view operations allocate nothing, and the storages of ``existing`` tensors (the weights) are
    never counted.
    """

    def __init__(self, existing: Any = ()) -> None:
        super().__init__()
        self.current = 0
        self.peak = 0
        self.seen: Any = WeakIdKeyDictionary()
        for tensor in existing:
            self.seen[tensor.untyped_storage()] = 0

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        import torch

        out = func(*args, **(kwargs or {}))
        if getattr(func, "is_view", False):
            return out
        for tensor in tree_leaves(out):
            if isinstance(tensor, torch.Tensor):
                storage = tensor.untyped_storage()
                if storage not in self.seen:
                    size = storage.nbytes()
                    self.seen[storage] = size
                    self.current += size
                    self.peak = max(self.peak, self.current)
                    weakref.finalize(storage, self._free, size)
        return out

    def _free(self, size: int) -> None:
        self.current -= size
