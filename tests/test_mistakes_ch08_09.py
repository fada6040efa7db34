"""Realistic wrong answers for the exercises of chapters 08 and 09: each must fail its visible check, with a
message that points at the mistake. The harness (tests/mistakes.py) runs the student's view of the chapter with
every other exercise solved, up to the check."""

from __future__ import annotations

import pytest
from mistakes import Mistake, assert_caught

CH08 = "08_cnn_mnist"

MISTAKES = [
    # --- chapter 08: max pooling ------------------------------------------------------------------------
    Mistake(
        CH08,
        "ch08-maxpool",
        "gives a tie to the last maximum (>=)",
        (("                better = v > out", "                better = v >= out"),),
        ("first maximum",),
    ),
    Mistake(
        CH08,
        "ch08-maxpool",
        "pads with zeros",
        (("        xp = _padded(x, pad, -np.inf)", "        xp = _padded(x, pad, 0)"),),
        ("-inf",),
    ),
    Mistake(
        CH08,
        "ch08-maxpool",
        "uses the window as the stride",
        (
            (
                "enumerate(_offsets(kernel, step, _out_hw(x.shape, kernel, step, pad)))",
                "enumerate(_offsets(kernel, kernel, _out_hw(x.shape, kernel, kernel, pad)))",
            ),
        ),
        ("step",),
    ),
    Mistake(
        CH08,
        "ch08-maxpool",
        "never records which offset won",
        (
            (
                "                np.maximum(index, better * index.dtype.type(k), out=index)",
                "                pass",
            ),
        ),
        ("ONE element, its maximum",),
    ),
    Mistake(
        CH08,
        "ch08-maxpool",
        "overwrites instead of adding where windows overlap",
        (("            gp[window] += g * (index == k)", "            gp[window] = g * (index == k)"),),
        ("SUM of their gradients",),
    ),
    Mistake(
        CH08,
        "ch08-maxpool",
        "returns the gradient of the padded input",
        (("        return gp[:, :, pad[0] : pad[0] + h, pad[1] : pad[1] + w]", "        return gp"),),
        ("must match their input's shape",),
    ),
    # --- chapter 08: dropout ----------------------------------------------------------------------------
    Mistake(
        CH08,
        "ch08-dropout",
        "does not scale the kept elements",
        (("    scale = 0.0 if p == 1 else 1 / (1 - p)", "    scale = 1.0"),),
        ("1/(1-p)",),
    ),
    Mistake(
        CH08,
        "ch08-dropout",
        "scales by (1 - p)",
        (("    scale = 0.0 if p == 1 else 1 / (1 - p)", "    scale = 1 - p"),),
        ("not by (1-p)",),
    ),
    Mistake(
        CH08,
        "ch08-dropout",
        "keeps an element with probability p",
        (
            (
                "    keep = gen.random(x.shape, dtype=np.float32) >= p",
                "    keep = gen.random(x.shape, dtype=np.float32) < p",
            ),
        ),
        ("with < p you keep",),
    ),
    Mistake(
        CH08,
        "ch08-dropout",
        "stays active in evaluation mode",
        (("    if not training or p == 0:", "    if p == 0:"),),
        ("evaluation mode",),
    ),
    Mistake(
        CH08,
        "ch08-dropout",
        "divides by 1 - p also for p = 1",
        (("    scale = 0.0 if p == 1 else 1 / (1 - p)", "    scale = 1 / (1 - p)"),),
        ("p = 1 drops everything",),
    ),
    Mistake(
        CH08,
        "ch08-dropout",
        "builds a float64 mask",
        (
            (
                "    return DropoutFunction.apply(x, keep * x.dtype.type(scale))",
                "    return DropoutFunction.apply(x, keep * scale)",
            ),
        ),
        ("dtype",),
    ),
    Mistake(
        CH08,
        "ch08-dropout",
        "ignores the generator it is given",
        (
            (
                "        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)",
                "        gen = np.random.default_rng()",
            ),
        ),
        ("same seed",),
    ),
    Mistake(
        CH08,
        "ch08-dropout",
        "with rng=None makes a fresh generator, which minigrad.manual_seed does not reach",
        (
            (
                "    if rng is None:\n        gen = default_generator()\n    else:\n        gen = rng",
                "    gen = rng",
            ),
        ),
        ("manual_seed",),
    ),
    # --- chapter 08: the DataLoader ---------------------------------------------------------------------
    Mistake(
        CH08,
        "ch08-dataloader",
        "drops the last short batch",
        (
            (
                "        for start in range(0, len(self) * self.batch_size, self.batch_size):",
                "        for start in range(0, n - self.batch_size + 1, self.batch_size):",
            ),
        ),
        ("[8, 9] is missing",),
    ),
    Mistake(
        CH08,
        "ch08-dataloader",
        "fills the last batch by wrapping around",
        (
            (
                "            yield self._fetch(order[start : start + self.batch_size])",
                "            yield self._fetch(np.take(order, np.arange(start, start + self.batch_size), mode='wrap'))",
            ),
        ),
        ("do not repeat or wrap",),
    ),
    Mistake(
        CH08,
        "ch08-dataloader",
        "makes a new generator from the seed every epoch",
        (
            (
                "        order = self.rng.permutation(n) if self.shuffle else np.arange(n)",
                "        order = np.random.default_rng(self.seed).permutation(n) if self.shuffle else np.arange(n)",
            ),
        ),
        ("same order every epoch",),
    ),
    Mistake(
        CH08,
        "ch08-dataloader",
        "shuffles with NumPy's global generator",
        (
            (
                "        order = self.rng.permutation(n) if self.shuffle else np.arange(n)",
                "        order = np.random.permutation(n) if self.shuffle else np.arange(n)",
            ),
        ),
        ("global generator",),
    ),
    Mistake(
        CH08,
        "ch08-dataloader",
        "shuffles the order of fixed batches only",
        (
            (
                "        order = self.rng.permutation(n) if self.shuffle else np.arange(n)\n"
                "        for start in range(0, len(self) * self.batch_size, self.batch_size):",
                "        order = np.arange(n)\n"
                "        starts = np.arange(0, len(self) * self.batch_size, self.batch_size)\n"
                "        for start in self.rng.permutation(starts) if self.shuffle else starts:",
            ),
        ),
        ("only reorders fixed batches",),
    ),
    Mistake(
        CH08,
        "ch08-dataloader",
        "shuffles even when shuffle=False",
        (
            (
                "        order = self.rng.permutation(n) if self.shuffle else np.arange(n)",
                "        order = self.rng.permutation(n)",
            ),
        ),
        ("in order when shuffle=False",),
    ),
    Mistake(
        CH08,
        "ch08-dataloader",
        "ignores drop_last in __len__",
        (
            (
                "        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)",
                "        return math.ceil(n / self.batch_size)",
            ),
        ),
        ("drop_last",),
    ),
    Mistake(
        CH08,
        "ch08-dataloader",
        "counts only full batches in __len__",
        (
            (
                "        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)",
                "        return n // self.batch_size",
            ),
        ),
        ("ceil(10 / 4)",),
    ),
    # --- chapter 08: the training loop ------------------------------------------------------------------
    Mistake(
        CH08,
        "ch08-train-epoch",
        "never zeroes the gradients",
        (("        optimizer.zero_grad()\n", ""),),
        ("accumulate",),
    ),
    Mistake(
        CH08,
        "ch08-train-epoch",
        "zeroes the gradients between backward and step",
        (
            (
                "        optimizer.zero_grad()\n        loss.backward()\n",
                "        loss.backward()\n        optimizer.zero_grad()\n",
            ),
        ),
        ("did not change",),
    ),
    Mistake(
        CH08,
        "ch08-train-epoch",
        "forgets the optimizer step",
        (("        optimizer.step()\n", ""),),
        ("optimizer.step()",),
    ),
    Mistake(
        CH08,
        "ch08-train-epoch",
        "does not switch the model to training mode",
        (("    model.train()\n", ""),),
        ("model.train()",),
    ),
    Mistake(
        CH08,
        "ch08-train-epoch",
        "averages the batch means",
        (
            ("        total += loss.item() * len(yb)", "        total += loss.item()"),
            ("        count += len(yb)", "        count += 1"),
        ),
        ("weight each batch",),
    ),
    Mistake(
        CH08,
        "ch08-train-epoch",
        "adds up loss tensors",
        (("        total += loss.item() * len(yb)", "        total = total + loss * len(yb)"),),
        ("Python float",),
    ),
    # --- chapter 08: the evaluation loop ----------------------------------------------------------------
    Mistake(
        CH08,
        "ch08-evaluate",
        "measures in training mode",
        (("    model.eval()\n", ""),),
        ("eval mode during the forward passes",),
    ),
    Mistake(
        CH08,
        "ch08-evaluate",
        "records a graph",
        (("    with no_grad():\n", "    if True:\n"),),
        ("no_grad",),
    ),
    Mistake(
        CH08,
        "ch08-evaluate",
        "averages the per-batch accuracies",
        (
            (
                "            correct += int((predicted == np.asarray(yb)).sum())",
                "            correct += float((predicted == np.asarray(yb)).mean())",
            ),
            ("            total += len(yb)", "            total += 1"),
        ),
        ("0.778",),
    ),
    Mistake(
        CH08,
        "ch08-evaluate",
        "always leaves the model in training mode",
        (("    model.train(was_training)", "    model.train()"),),
        ("leave in eval mode",),
    ),
]

CH09 = "09_training_well"

MISTAKES += [
    # --- chapter 09: random_split -----------------------------------------------------------------------
    Mistake(
        CH09,
        "ch09-random-split",
        "cuts without shuffling",
        (
            (
                "    order = np.random.default_rng(seed).permutation(len(dataset))",
                "    order = np.arange(len(dataset))",
            ),
        ),
        ("shuffle before cutting",),
    ),
    Mistake(
        CH09,
        "ch09-random-split",
        "draws each part separately",
        (
            (
                "    return [Subset(dataset, order[end - n : end]) for n, end in zip(lengths, ends)]",
                "    return [Subset(dataset, np.random.default_rng(seed).choice(len(dataset), n, replace=False)) for n in lengths]",
            ),
        ),
        ("exactly one part",),
    ),
    Mistake(
        CH09,
        "ch09-random-split",
        "ignores the seed",
        (("np.random.default_rng(seed).permutation", "np.random.default_rng().permutation"),),
        ("same seed",),
    ),
    Mistake(
        CH09,
        "ch09-random-split",
        "accepts lengths that do not add up",
        (("    if sum(lengths) != len(dataset):", "    if False:"),),
        ("expected an error",),
    ),
    # --- chapter 09: fit --------------------------------------------------------------------------------
    Mistake(
        CH09,
        "ch09-fit",
        "keeps a reference to the model",
        (
            (
                "            best, best_acc, waited = copy.deepcopy(model), val_acc, 0",
                "            best, best_acc, waited = model, val_acc, 0",
            ),
        ),
        ("kept training",),
    ),
    Mistake(
        CH09,
        "ch09-fit",
        "returns the last model",
        (("    return best, history", "    return model, history"),),
        ("kept training",),
    ),
    Mistake(
        CH09,
        "ch09-fit",
        "keeps the later epoch on a tie",
        (("        if val_acc > best_acc:", "        if val_acc >= best_acc:"),),
        ("keep the earlier one",),
    ),
    Mistake(
        CH09,
        "ch09-fit",
        "selects by the validation loss",
        (("        if val_acc > best_acc:", "        if -val_loss > best_acc:"),),
        ("highest validation accuracy",),
    ),
    Mistake(
        CH09,
        "ch09-fit",
        "counts epochs without improvement, not in a row",
        (
            (
                "            best, best_acc, waited = copy.deepcopy(model), val_acc, 0",
                "            best, best_acc = copy.deepcopy(model), val_acc",
            ),
        ),
        ("IN A ROW",),
    ),
    Mistake(
        CH09,
        "ch09-fit",
        "waits one epoch too long",
        (("waited >= patience", "waited > patience"),),
        ("stop as soon as",),
    ),
    # --- chapter 09: random_shift -----------------------------------------------------------------------
    Mistake(
        CH09,
        "ch09-random-shift",
        "wraps around with np.roll",
        (
            (
                "            out[chosen] = padded[chosen, ..., s - oy : s - oy + h, s - ox : s - ox + w]",
                "            out[chosen] = np.roll(images[chosen], (oy, ox), axis=(-2, -1))",
            ),
        ),
        ("wrap",),
    ),
    Mistake(
        CH09,
        "ch09-random-shift",
        "moves the whole batch by one offset",
        (
            ("    dy = rng.integers(-s, s + 1, size=n)", "    dy = np.full(n, rng.integers(-s, s + 1))"),
            ("    dx = rng.integers(-s, s + 1, size=n)", "    dx = np.full(n, rng.integers(-s, s + 1))"),
        ),
        ("same offset",),
    ),
    Mistake(
        CH09,
        "ch09-random-shift",
        "never draws the largest shift",
        (
            ("    dy = rng.integers(-s, s + 1, size=n)", "    dy = rng.integers(-s, s, size=n)"),
            ("    dx = rng.integers(-s, s + 1, size=n)", "    dx = rng.integers(-s, s, size=n)"),
        ),
        ("both ends are included",),
    ),
    Mistake(
        CH09,
        "ch09-random-shift",
        "fills with zeros",
        (
            (
                "np.full(images.shape[:-2] + (h + 2 * s, w + 2 * s), fill, dtype=images.dtype)",
                "np.zeros(images.shape[:-2] + (h + 2 * s, w + 2 * s), dtype=images.dtype)",
            ),
        ),
        ("`fill`",),
    ),
    Mistake(
        CH09,
        "ch09-random-shift",
        "writes into its input",
        (("    out = np.empty_like(images)", "    out = images"),),
        ("changed its input",),
    ),
    Mistake(
        CH09,
        "ch09-random-shift",
        "shifts rows only",
        (
            (
                "padded[chosen, ..., s - oy : s - oy + h, s - ox : s - ox + w]",
                "padded[chosen, ..., s - oy : s - oy + h, s : s + w]",
            ),
        ),
        ("rows and columns",),
    ),
    # --- chapter 09: BatchNormFunction ------------------------------------------------------------------
    Mistake(
        CH09,
        "ch09-batchnorm-function",
        "treats mean and variance as constants in backward",
        (("            gx = inv_std * (ghat - mean_g - xhat * mean_gx)", "            gx = inv_std * ghat"),),
        ("computed from x",),
    ),
    Mistake(
        CH09,
        "ch09-batchnorm-function",
        "forgets the variance's term",
        (
            (
                "            gx = inv_std * (ghat - mean_g - xhat * mean_gx)",
                "            gx = inv_std * (ghat - mean_g)",
            ),
        ),
        ("computed from x",),
    ),
    Mistake(
        CH09,
        "ch09-batchnorm-function",
        "leaves the weight out of the input gradient",
        (
            (
                "            ghat = g if weight is None else g * _per_channel(weight, g.ndim)",
                "            ghat = g",
            ),
        ),
        ("weight·g",),
    ),
    Mistake(
        CH09,
        "ch09-batchnorm-function",
        "normalises with the unbiased variance",
        (
            (
                "        var = (centred * centred).mean(axis=axes, keepdims=True)",
                "        var = x.var(axis=axes, ddof=1, keepdims=True)",
            ),
        ),
        ("biased variance",),
    ),
    Mistake(
        CH09,
        "ch09-batchnorm-function",
        "adds eps outside the square root",
        (("        inv_std = 1 / np.sqrt(var + eps)", "        inv_std = 1 / (np.sqrt(var) + eps)"),),
        ("inside the square root",),
    ),
    Mistake(
        CH09,
        "ch09-batchnorm-function",
        "takes the statistics over the batch axis only",
        (("        axes = (0, *range(2, x.ndim))  # every axis but the channels", "        axes = (0,)"),),
        ("every axis but axis 1",),
    ),
    Mistake(
        CH09,
        "ch09-batchnorm-function",
        "sums g for the weight's gradient",
        (("            gw = (g * xhat).sum(axis=axes)", "            gw = g.sum(axis=axes)"),),
        ("sum of g·x̂",),
    ),
    # --- chapter 09: batch_norm -------------------------------------------------------------------------
    Mistake(
        CH09,
        "ch09-batch-norm",
        "gives the old running value the weight momentum",
        (
            (
                "            running_mean.data = (1 - momentum) * running_mean.data + momentum * mean",
                "            running_mean.data = momentum * running_mean.data + (1 - momentum) * mean",
            ),
        ),
        ("weighs the NEW batch",),
    ),
    Mistake(
        CH09,
        "ch09-batch-norm",
        "keeps the biased variance",
        (
            (
                "            var = x.data.var(axis=axes) * (m / (m - 1))  # unbiased, as PyTorch keeps it",
                "            var = x.data.var(axis=axes)",
            ),
        ),
        ("UNBIASED",),
    ),
    Mistake(
        CH09,
        "ch09-batch-norm",
        "rebinds the local name",
        (
            (
                "            running_mean.data = (1 - momentum) * running_mean.data + momentum * mean",
                "            running_mean = (1 - momentum) * running_mean.data + momentum * mean",
            ),
        ),
        ("did not change",),
    ),
    Mistake(
        CH09,
        "ch09-batch-norm",
        "uses the batch's statistics in evaluation",
        (("    if training:\n        m = x.numel()", "    if True:\n        m = x.numel()"),),
        ("not the batch's statistics",),
    ),
    Mistake(
        CH09,
        "ch09-batch-norm",
        "forgets the weight in evaluation",
        (
            (
                "        out = out * weight.reshape(_per_channel(weight.data, x.ndim).shape)",
                "        out = out",
            ),
        ),
        ("batch_norm(training=False)",),
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("mistake", MISTAKES, ids=str)
def test_the_visible_check_catches_the_mistake(mistake: Mistake) -> None:
    assert_caught(mistake)
