# Generated from solutions/09_training_well.ipynb by `minigrad-course build` — edit the notebook, not this
# file.


"""BatchNorm1d and BatchNorm2d: batch normalisation as layers with running statistics (PyTorch's torch.nn)."""

from __future__ import annotations

import numpy as np

from minigrad.functional.normalization import batch_norm
from minigrad.nn.modules import Module, Parameter
from minigrad.tensor import Tensor


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share: a weight and a bias per channel (affine), and running
    statistics that evaluation uses instead of the batch's (track_running_stats)."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, np.float32))
            self.bias = Parameter(np.zeros(num_features, np.float32))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        # Buffers, not parameters: saved in state_dict() and restored by load_state_dict(), never learned.
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, np.float32)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, np.float32)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def _check_input_dim(self, x: Tensor) -> None:
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        self._check_input_dim(x)
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}: input has {x.shape[1]} channels (shape {x.shape}), but the layer "
                f"was made for num_features={self.num_features}"
            )
        factor = 0.0
        if self.training and self.num_batches_tracked is not None:  # tracking running statistics
            self.num_batches_tracked += 1  # in place: the buffer stays the same tensor
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        use_batch_statistics = self.training or self.running_mean is None
        keep_running = not self.training or self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if keep_running else None,
            self.running_var if keep_running else None,
            self.weight,
            self.bias,
            use_batch_statistics,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """For (N, C) features (after a Linear layer) or (N, C, L) sequences: statistics per feature C."""

    def _check_input_dim(self, x: Tensor) -> None:
        if x.ndim not in (2, 3):
            raise ValueError(f"BatchNorm1d: expected 2D or 3D input (N, C) or (N, C, L), got shape {x.shape}")


class BatchNorm2d(_BatchNorm):
    """For (N, C, H, W) feature maps: statistics per channel, over the batch and every position."""

    def _check_input_dim(self, x: Tensor) -> None:
        if x.ndim != 4:
            raise ValueError(f"BatchNorm2d: expected 4D input (N, C, H, W), got shape {x.shape}")
