"""minigrad.optim: optimizers and learning-rate schedules (PyTorch's torch.optim)."""

from minigrad.optim import lr_scheduler
from minigrad.optim.optimizer import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
