"""The speedruns' levers of bench/levers.py, each against a direct computation, Muon on an
ill-conditioned matrix and a model with batch norm (chapter 8a checks it on its own cases),
and tiny benchmark runs with the levers on (the runs that measure them: bench/README.md)."""
import os
import subprocess
import sys

import pytest
import torch
from torch import nn

from conftest import ROOT
from cnn_course.train import Learner, tensor_dls
from cnn_course.tricks import Muon, conv_split, orthogonalise

sys.path.insert(0, str(ROOT / "bench"))
from levers import (AltFlip, Lookahead, dirac_init, freeze_norm_scales,  # noqa: E402
                    norm_bias_split)
from test_bench import _quick_run  # noqa: E402


def _tiny():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Conv2d(4, 4, 3, padding=1), nn.BatchNorm2d(4),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))


def _learner(cbs=(), n=64, **kw):
    torch.manual_seed(1)
    x, y = torch.randn(n, 1, 6, 6), torch.randint(0, 3, (n,))
    return Learner(_tiny(), tensor_dls(x, y, bs=16), cbs=cbs, log=None, **kw), x


class _Seen(AltFlip):
    "AltFlip that records the images each epoch starts from."
    def before_epoch(self, learn):
        super().before_epoch(learn); self.seen.append(learn.dls.train.x.clone())


def test_altflip_mirrors_each_image_in_every_other_epoch():
    cb = _Seen(seed=1); cb.seen = []
    learn, x = _learner([cb])
    learn.fit(3, lr=1e-3)
    e0, e1, e2 = cb.seen
    flipped0 = (e0 == x.flip(-1)).flatten(1).all(1)
    assert (e0 == x).flatten(1).all(1).logical_xor(flipped0).all()  # one or the other
    assert 0 < flipped0.sum() < len(x), flipped0.sum()              # a random share
    assert torch.equal(e1, e0.flip(-1)) and torch.equal(e2, e0)     # then alternating
    assert learn.dls.train.x is x                                   # restored after fit


def test_lookahead_moves_half_way_back_every_k_steps():
    "With k=3, after 3 steps the weights are the mean of the start and plain AdamW's."
    learn, _ = _learner([Lookahead(k=3, alpha=0.5)])
    plain, _ = _learner()
    start = [p.detach().clone() for p in learn.model.parameters()]
    learn.fit_one_cycle(steps=3, lr_max=1e-2); plain.fit_one_cycle(steps=3, lr_max=1e-2)
    for s, p, q in zip(start, learn.model.parameters(), plain.model.parameters()):
        torch.testing.assert_close(p, (s + q) / 2, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="k must be >= 1"): Lookahead(k=0)


def test_orthogonalise_gives_singular_values_near_one():
    "Newton-Schulz maps the singular values into about [0.7, 1.2], keeping U and V."
    g = torch.randn(16, 72) * torch.logspace(-2, 1, 72)
    u, _, vh = torch.linalg.svd(g, full_matrices=False)
    for m in (g, g.T):
        s = torch.linalg.svdvals(orthogonalise(m).float())
        assert 0.6 < s.min() and s.max() < 1.25, s
    torch.testing.assert_close(orthogonalise(g).float(), u @ vh, atol=0.3, rtol=0)


def test_muon_updates_filters_orthogonally_and_the_rest_with_adamw():
    model = _tiny()
    convs, rest = conv_split(model)
    assert all(p.ndim == 4 for p in convs) and not any(p.ndim == 4 for p in rest)
    ref_model = _tiny()
    ref = torch.optim.AdamW(ref_model[-1].parameters(), lr=1e-3, betas=(0.9, 0.99),
                            eps=1e-5, weight_decay=0.)
    opt = Muon([{"params": convs}, {"params": rest}], lr=1e-3)
    assert "momentum" in opt.param_groups[0] and "betas" in opt.param_groups[1]
    w0 = convs[1].detach().clone()
    x = torch.randn(8, 1, 6, 6)
    for m in (model, ref_model): m(x).pow(2).sum().backward()
    opt.step(); ref.step()
    torch.testing.assert_close(model[-1].weight, ref_model[-1].weight)  # AdamW part
    d = (w0 - convs[1].detach()).flatten(1) / 1e-3                     # Muon part
    s = torch.linalg.svdvals(d)
    assert 0.6 < s.min() and s.max() < 1.25, s


def test_norm_scales_frozen_and_biases_split():
    model = freeze_norm_scales(_tiny())
    bns = [m for m in model if isinstance(m, nn.BatchNorm2d)]
    assert not any(m.weight.requires_grad for m in bns)
    main, biases = norm_bias_split(model)
    assert {id(p) for p in biases} == {id(m.bias) for m in bns}
    assert len(main) + len(biases) == len(list(model.parameters()))


def test_dirac_init_passes_the_first_channels_through():
    conv = dirac_init(nn.Sequential(nn.Conv2d(3, 5, 3, padding=1)))[0]
    x = torch.randn(2, 3, 7, 7)
    torch.testing.assert_close((conv(x) - conv.bias[:, None, None])[:, :3], x)


@pytest.mark.parametrize("args", [
    ("--alt-flip", "--lookahead", "5", "--mixup", "0.4"),
    ("--opt", "adamw", "--dirac", "--cutmix", "1"),
    ("--opt", "sgd", "--lr-max", "0.1", "--wd", "5e-4", "--freeze-bn-scale",
     "--bias-lr-mult", "4"),
])
def test_bench_runs_with_the_levers(args):
    "A tiny run with levers on trains past guessing (10%) on 1,000 test images."
    res = _quick_run("--no-log", *args)
    assert res["steps"] == 60 and res["test_accuracy"] > 0.3, res
    assert res["options"]["opt"] == (args[1] if args[0] == "--opt" else "muon")


def test_bench_refuses_contradictory_levers():

    for args, msg in [(("--alt-flip", "--no-flip"), "contradict"),
                      (("--mixup", "0.4", "--cutmix", "1"), "not both"),
                      (("--opt", "muon", "--bias-lr-mult", "2"), "not muon"),
                      (("--bias-lr-mult", "2"), "not muon (the default)")]:
        r = subprocess.run([sys.executable, str(ROOT / "bench" / "fashion_mnist.py"),
                            "--no-log", *args], capture_output=True, text=True,
                           cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert r.returncode == 2 and msg in r.stderr, (args, r.stderr)
