"""minigrad.optim: optimizers and learning-rate schedules (PyTorch's torch.optim)."""

from minigrad.optim import lr_scheduler
from minigrad.optim.optimizer import SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
