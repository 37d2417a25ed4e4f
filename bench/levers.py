"""Levers from the CIFAR-10 speedruns, measured by `fashion_mnist.py` (issue 17).

Each is off by default; `fashion_mnist.py --help` names the option that turns it on. (Muon,
the benchmark's optimizer, is library code: `cnn_course.tricks`, chapter 8a.)
- `AltFlip`: alternating flips (airbench): a random half of the images is mirrored in the
  first epoch, and every image is mirrored in every other epoch after that, so each one is
  seen both ways in any two epochs in a row instead of by chance;
- `Lookahead`: every `k` steps the weights move `alpha` of the way from slow weights to the
  fast ones the optimizer trained, and training continues from there (Zhang et al. 2019);
- `freeze_norm_scales` and `norm_bias_split`: batch-norm scales fixed at 1, biases in their
  own parameter group (for a larger learning rate);
- `dirac_init`: stride-1 3x3 convolutions start as identity maps on their first channels.
"""
from __future__ import annotations

import torch
from torch import nn

from cnn_course.train import Callback


class AltFlip(Callback):
    "Mirror a fixed random half of `dls.train.x` in even epochs, the other half in odd ones."
    order = -5  # before the batch transforms: it changes the images batches are cut from

    def __init__(self, seed: int = 0):
        self.seed, self.orig = seed, None

    def before_fit(self, learn):
        self.orig = learn.dls.train.x
        g = torch.Generator().manual_seed(self.seed)
        self.mask = torch.rand(len(self.orig), generator=g) < 0.5
        self.flipped = self.orig.flip(-1)

    def before_epoch(self, learn):
        m = self.mask if learn.epoch % 2 == 0 else ~self.mask
        learn.dls.train.x = torch.where(m[:, None, None, None], self.flipped, self.orig)

    def after_fit(self, learn):
        if self.orig is not None: learn.dls.train.x, self.orig = self.orig, None
        self.flipped = None


class Lookahead(Callback):
    "Every `k` steps: slow += alpha * (fast - slow), then fast = slow."
    def __init__(self, k: int = 5, alpha: float = 0.5):
        if k < 1: raise ValueError(f"k must be >= 1, got {k}")
        if not 0 < alpha <= 1: raise ValueError(f"alpha must be in (0, 1], got {alpha}")
        self.k, self.alpha = k, alpha

    def before_fit(self, learn):
        self.params = [p for p in learn.model.parameters() if p.requires_grad]
        self.slow = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def after_step(self, learn):
        if learn.step % self.k: return
        for p, s in zip(self.params, self.slow):
            s.add_(p - s, alpha=self.alpha); p.copy_(s)

    def after_fit(self, learn): self.slow = None


def _norms(model): return [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]


def freeze_norm_scales(model: nn.Module) -> nn.Module:
    "Batch-norm scales stay at 1: no gradient, so no optimizer moves them."
    for m in _norms(model):
        if m.weight is not None: m.weight.requires_grad_(False)
    return model


def norm_bias_split(model: nn.Module) -> list[list[nn.Parameter]]:
    "Two parameter groups: everything but the batch-norm biases, then those biases."
    biases = {id(m.bias) for m in _norms(model) if m.bias is not None}
    ps = list(model.parameters())
    return [[p for p in ps if id(p) not in biases], [p for p in ps if id(p) in biases]]


@torch.no_grad()
def dirac_init(model: nn.Module) -> nn.Module:
    "Stride-1 3x3 convolutions: the first min(in, out) filters become identity maps."
    for m in model.modules():
        if (isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3) and m.stride == (1, 1)
                and m.groups == 1):
            n = min(m.in_channels, m.out_channels)
            nn.init.dirac_(m.weight[:n])
    return model
