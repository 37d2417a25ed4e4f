"""Peers side by side: the benchmark's model and recipe in three training loops.

Trains the ResNet of `bench/fashion_mnist.py` with its recipe for the same number of
steps three ways and compares their training throughput:

- course: the course's `Learner` (`cnn_course.train`) with its callbacks
  (`BatchTransform`, `ChannelsLast`, `Autocast`) and `tensor_dls` batches;
- fastai: fastai's `Learner.fit_one_cycle` on fastai `DataLoaders`;
- plain: a plain PyTorch loop, torch's `DataLoader` over a `TensorDataset` and
  `OneCycleLR`.

All three get a fresh copy of the same initial model, AdamW (torch's) with the same
weight decay, label smoothing, the 1cycle schedule, the same augmentation (the course's
`augment`: shifts and flips, on each batch), channels-last, bfloat16 autocast where the
benchmark would use it (forward pass and loss), the same batch size and no worker
processes. Each trains for `--warmup` untimed steps and then `--steps` timed ones in one
fit; the rate is the timed steps' images over their seconds. See bench/README.md.

    python bench/peers.py                  # 5 + 40 steps of 256, two rounds
    python bench/peers.py --profile 10     # also profile 10 steps of the course's loop
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from functools import partial

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from fashion_mnist import (RUNS, SCHEDULE, add_log_args, add_recipe_args, channels,
                           check_recipe_args, log_run, make_model, run_info)
from cnn_course.data import fashion_mnist
from cnn_course.models import augment, flop_count
from cnn_course.train import (Autocast, BatchTransform, Callback, ChannelsLast, Learner,
                              bf16_faster, matmul_gflops, tensor_dls)
from cnn_course.utils import param_count

PEERS = ("course", "fastai", "plain")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = p.add_argument
    add("--steps", type=int, default=40, help="timed optimizer steps per peer")
    add("--warmup", type=int, default=5, help="untimed steps before them, same fit")
    add("--rounds", type=int, default=2,
        help="train every peer this many times, in turn; each peer's best round counts")
    add_recipe_args(p)
    add("--profile", type=int, default=0,
        help="afterwards profile this many steps of the course's loop (0: none)")
    add("--json", type=str, default=None, help="also write the results to this file")
    add_log_args(p)
    a = p.parse_args(argv)
    for name in ("steps", "warmup", "rounds"):
        if getattr(a, name) < 1: p.error(f"--{name} must be >= 1")
    if a.profile < 0: p.error("--profile must be >= 0")
    check_recipe_args(p, a)
    if a.run_dir is None and not a.no_log: a.run_dir = str(RUNS)
    return a


def load(a, n_steps: int):
    "Normalised training images, exactly `n_steps` batches' worth (one epoch)."
    data = fashion_mnist()
    mean, std = data.x_train.mean(), data.x_train.std()
    n = n_steps * a.bs
    if n > len(data.x_train):
        raise SystemExit(f"--warmup + --steps times --bs is {n:,} images, more than "
                         f"the {len(data.x_train):,} training images")
    keep = torch.randperm(len(data.x_train), generator=torch.Generator().manual_seed(0))
    return (data.x_train[keep[:n]] - mean) / std, data.y_train[keep[:n]]


class Recipe:
    "What every peer shares: model, loss, augmentation, optimizer and schedule settings."
    def __init__(self, a, bf16: bool):
        self.a, self.bf16 = a, bf16
        self.model0 = make_model(a)
        self.loss = partial(F.cross_entropy, label_smoothing=a.label_smoothing)

    def model(self): return copy.deepcopy(self.model0)

    def tfm(self):
        "A fresh augmentation with its own seeded generator (None: no augmentation)."
        a = self.a
        if not a.pad and a.no_flip: return None
        return partial(augment, pad=a.pad, flip=not a.no_flip,
                       g=torch.Generator().manual_seed(a.seed))

    def autocast(self):
        return torch.autocast("cpu", torch.bfloat16, enabled=self.bf16)


class _Times(Callback):
    "Course callback: the time after every optimizer step."
    def before_fit(self, learn): self.times = []
    def after_step(self, learn): self.times.append(time.perf_counter())


def course_learner(r: Recipe, x, y, extra=()) -> Learner:
    a, tfm = r.a, r.tfm()
    cbs = [BatchTransform(tfm)] if tfm else []
    return Learner(r.model(), tensor_dls(x, y, bs=a.bs, seed=a.seed), loss_func=r.loss,
                   opt_func=partial(torch.optim.AdamW, weight_decay=a.wd),
                   cbs=[*cbs, ChannelsLast(), Autocast(r.bf16), *extra], log=None)


def run_course(r: Recipe, x, y, n: int) -> list[float]:
    clock = _Times()
    learn = course_learner(r, x, y, [clock])
    learn.fit_one_cycle(steps=n, lr_max=r.a.lr_max, **SCHEDULE)
    return clock.times


def run_fastai(r: Recipe, x, y, n: int) -> list[float]:
    from fastai.callback.core import Callback as FaCallback
    from fastai.callback.schedule import fit_one_cycle  # noqa: F401 (patches Learner)
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader as FaDataLoader
    from fastai.learner import Learner as FaLearner
    from fastai.optimizer import OptimWrapper

    tfm, times = r.tfm(), []

    class Recipe_(FaCallback):
        "Augmentation, channels-last and autocast (forward pass and loss), as the others."
        def before_batch(self):
            xb = self.learn.xb[0]
            if self.training and tfm: xb = tfm(xb)
            self.learn.xb = (xb.contiguous(memory_format=torch.channels_last),)
            self.ctx = r.autocast(); self.ctx.__enter__()
        def after_loss(self): self.ctx.__exit__(None, None, None)
        def after_step(self): times.append(time.perf_counter())

    a = r.a
    g = torch.Generator().manual_seed(a.seed)
    train = FaDataLoader(TensorDataset(x, y), bs=a.bs, shuffle=True, drop_last=True,
                         num_workers=0, shuffle_fn=lambda idxs: [
                             idxs[i] for i in torch.randperm(len(idxs), generator=g)])
    valid = FaDataLoader(TensorDataset(x[:a.bs], y[:a.bs]), bs=a.bs, num_workers=0)
    model = r.model().to(memory_format=torch.channels_last)
    learn = FaLearner(DataLoaders(train, valid), model, loss_func=r.loss,
                      opt_func=partial(OptimWrapper, opt=torch.optim.AdamW),
                      wd=a.wd, wd_bn_bias=True, cbs=[Recipe_()])
    assert len(learn.dls.train) == n, (len(learn.dls.train), n)
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(1, lr_max=a.lr_max, **SCHEDULE)
    return times


def run_plain(r: Recipe, x, y, n: int) -> list[float]:
    a, tfm, times = r.a, r.tfm(), []
    dl = DataLoader(TensorDataset(x, y), batch_size=a.bs, shuffle=True, drop_last=True,
                    num_workers=0, generator=torch.Generator().manual_seed(a.seed))
    model = r.model().to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr_max, weight_decay=a.wd)
    s = SCHEDULE
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=a.lr_max, total_steps=n, pct_start=s["pct_start"],
        div_factor=s["div"], final_div_factor=s["div_final"] / s["div"])
    model.train()
    for xb, yb in dl:
        if tfm: xb = tfm(xb)
        xb = xb.contiguous(memory_format=torch.channels_last)
        with r.autocast(): loss = r.loss(model(xb), yb)
        loss.backward()
        opt.step(); opt.zero_grad(set_to_none=True); sched.step()
        times.append(time.perf_counter())
    return times


RUNNERS = dict(course=run_course, fastai=run_fastai, plain=run_plain)

CATEGORIES = (  # (category, substrings of profiler op names), first match wins
    ("convolution backward", ("convolution_backward", "convolutionbackward")),
    ("convolution forward", ("convolution", "conv2d")),
    ("batch norm", ("batch_norm", "batchnorm")),
    ("optimizer (AdamW)", ("_foreach", "adamw", "optimizer")),
    ("data and augmentation", ("index", "pad", "where", "flip", "rand", "gather")),
    ("copies and casts", ("copy", "_to_copy", "contiguous", "clone", "empty")),
    ("relu, add, pooling", ("relu", "threshold", "add", "pool", "mean")),
    ("linear, loss", ("mm", "linear", "softmax", "nll", "cross_entropy", "addmm")),
)


def category(name: str) -> str:
    low = name.lower()
    for cat, keys in CATEGORIES:
        if any(k in low for k in keys): return cat
    return "other"


def _conv_shapes(e) -> dict:
    "Input and weight shapes of a profiled convolution (backward: after grad_output)."
    i = 1 if e.key == "aten::convolution_backward" else 0
    return dict(input=e.input_shapes[i], weight=e.input_shapes[i + 1])


def profile_course(r: Recipe, x, y, n: int, warm: int = 3) -> dict:
    "Self CPU time of `n` steps of the course's loop, by category and by op."
    from torch.profiler import ProfilerActivity, profile, schedule

    class Step(Callback):
        def after_step(self, learn): prof.step()

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True,
                 schedule=schedule(wait=0, warmup=warm, active=n, repeat=1)) as prof:
        learn = course_learner(r, x, y, [Step()])
        learn.fit_one_cycle(steps=warm + n + 1, lr_max=r.a.lr_max, **SCHEDULE)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    cats: dict[str, float] = {}
    for e in events:
        c = category(e.key)
        cats[c] = cats.get(c, 0.) + e.self_cpu_time_total
    ops = sorted(events, key=lambda e: -e.self_cpu_time_total)[:12]
    convs = [e for e in prof.key_averages(group_by_input_shape=True)
             if e.key in ("aten::convolution_backward", "aten::mkldnn_convolution")]
    convs = sorted(convs, key=lambda e: -e.self_cpu_time_total)[:8]
    return dict(steps=n, ms_per_step=total / n / 1e3,
                categories={c: round(v / total, 4) for c, v in
                            sorted(cats.items(), key=lambda kv: -kv[1])},
                top_ops=[dict(op=e.key, ms_per_step=round(e.self_cpu_time_total / n
                                                          / 1e3, 3),
                              share=round(e.self_cpu_time_total / total, 4),
                              calls_per_step=e.count / n) for e in ops],
                top_convs=[dict(op=e.key, ms_per_step=round(e.self_cpu_time_total / n
                                                            / 1e3, 3),
                                share=round(e.self_cpu_time_total / total, 4),
                                **_conv_shapes(e)) for e in convs])


def main(argv=None) -> dict:
    a = parse_args(argv)
    info = run_info(argv, __file__)
    n = a.warmup + a.steps
    bf16 = {"on": True, "off": False, "auto": bf16_faster("cpu")}[a.bf16]
    mm32 = matmul_gflops(torch.float32)
    mm16 = matmul_gflops(torch.bfloat16) if bf16 else None
    x, y = load(a, n)
    r = Recipe(a, bf16)
    flops_img = flop_count(r.model0, (1, 1, 28, 28))
    print(f"{info['cpu']}, {torch.get_num_threads()} threads, torch "
          f"{torch.__version__}; matmul 2048x2048: {mm32:.0f} GFLOP/s float32"
          + (f", {mm16:.0f} GFLOP/s bfloat16" if mm16 else "")
          + f"; bf16 autocast {'on' if bf16 else 'off'}")
    print(f"model: resnet(channels={channels(a)}, blocks={a.blocks}), "
          f"{param_count(r.model0):,} parameters, {flops_img / 1e6:.1f} MFLOPs per "
          f"image; {a.warmup} untimed + {a.steps} timed steps of {a.bs}, "
          f"{a.rounds} round(s)")
    rates: dict[str, list[float]] = {p: [] for p in PEERS}
    for _ in range(a.rounds):
        for peer in PEERS:
            times = RUNNERS[peer](r, x, y, n)
            if len(times) != n: raise RuntimeError(f"{peer} made {len(times)} steps")
            rates[peer].append(a.steps * a.bs / (times[-1] - times[a.warmup - 1]))
    best = {p: max(v) for p, v in rates.items()}
    gflops = {p: flops_img * 3 * v / 1e9 for p, v in best.items()}
    ratios = {f"{p}/{q}": best[p] / best[q] for p, q in
              (("course", "fastai"), ("course", "plain"), ("plain", "fastai"))}
    res = dict(images_per_second=best, images_per_second_rounds=rates,
               ratios=ratios, achieved_gflops=gflops,
               share_of_fp32_peak={p: g / mm32 for p, g in gflops.items()},
               share_of_bf16_peak={p: g / mm16 for p, g in gflops.items()}
               if mm16 else None,
               matmul_gflops_fp32=mm32, matmul_gflops_bf16=mm16, bf16=bf16,
               mflops_per_image=flops_img / 1e6, params=param_count(r.model0),
               steps=a.steps, warmup=a.warmup, rounds=a.rounds, bs=a.bs,
               augmentation=("shifts" if a.pad else "") + (
                   ("+flips" if a.pad else "flips") if not a.no_flip else "") or "none",
               seed=a.seed, threads=torch.get_num_threads(), options=vars(a), **info)
    for p in PEERS:
        share = (f", {res['share_of_bf16_peak'][p]:.0%} of bf16" if mm16 else "")
        print(f"{p:>7}: {best[p]:6.0f} images/s (rounds: "
              f"{', '.join(f'{v:.0f}' for v in rates[p])}), {gflops[p]:.1f} GFLOP/s = "
              f"{res['share_of_fp32_peak'][p]:.0%} of the fp32 matmul peak{share}")
    print("ratios: " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()))
    if a.profile:
        res["profile"] = prof = profile_course(r, x, y, a.profile)
        print(f"profile of the course's loop, {a.profile} steps, "
              f"{prof['ms_per_step']:.1f} ms of CPU time per step (self time):")
        for c, s in prof["categories"].items(): print(f"  {s:6.1%} {c}")
        for o in prof["top_ops"]:
            print(f"  {o['share']:6.1%} {o['ms_per_step']:7.2f} ms "
                  f"{o['calls_per_step']:5.1f}x {o['op']}")
        print("  the costliest convolutions (input, weight shapes):")
        for o in prof["top_convs"]:
            print(f"  {o['share']:6.1%} {o['ms_per_step']:7.2f} ms {o['op']} "
                  f"{o['input']} {o['weight']}")
    log = log_run(res, a.run_dir, "peers")
    if log: print(f"run logged in {log}")
    print("RESULT " + json.dumps(res))
    if a.json:
        with open(a.json, "w") as f: json.dump(res, f, indent=1)
    return res


if __name__ == "__main__":
    sys.exit(main() and None)
