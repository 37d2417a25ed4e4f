"""Fashion-MNIST benchmark: the course's best CPU recipe, trained from scratch, with its costs.

Trains a ResNet from `cnn_course.models` on the 60,000 training images of Fashion-MNIST and reports
accuracy on the official 10,000 test images, with wall time, throughput, peak memory and the
arithmetic rate it achieved beside the machine's matrix-multiply rate. See bench/README.md.

    python bench/fashion_mnist.py                 # the full run (default 15-minute budget)
    python bench/fashion_mnist.py --quick         # a one-minute smoke run
    python bench/fashion_mnist.py --epochs 12     # a fixed number of epochs instead of a budget
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time

import torch
import torch.nn.functional as F

from cnn_course.data import fashion_mnist
from cnn_course.models import augment, flop_count, param_count, resnet
from cnn_course.train import one_cycle, set_hypers

BASE_CHANNELS = (32, 64, 128, 256)  # stage widths at --width 1; the stem has half the first stage's


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=15.0, help="training budget in minutes: the 1cycle schedule follows elapsed time and training stops at the budget (ignored with --epochs)")
    p.add_argument("--epochs", type=int, default=None, help="train for exactly this many epochs")
    p.add_argument("--width", type=float, default=1.0, help=f"multiplier of the stage widths {BASE_CHANNELS}")
    p.add_argument("--blocks", type=str, default="1,1,1,1", help="residual blocks per stage, comma separated")
    p.add_argument("--bs", type=int, default=256, help="batch size")
    p.add_argument("--lr", type=float, default=1e-2, help="peak learning rate of the 1cycle schedule (AdamW)")
    p.add_argument("--wd", type=float, default=0.05, help="AdamW weight decay")
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--pad", type=int, default=2, help="random shifts of up to this many pixels (0: none)")
    p.add_argument("--no-flip", action="store_true", help="no random horizontal flips (and no flip TTA)")
    p.add_argument("--bf16", choices=("auto", "on", "off"), default="auto", help="bfloat16 autocast: auto uses it when it makes a matrix multiply faster")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--quick", action="store_true", help="smoke run of about a minute: 20,000 training images, 2 epochs, half width")
    p.add_argument("--validate", action="store_true", help="train on 50,000 images and report accuracy on the other 10,000 training images, not the test set: for choosing settings")
    p.add_argument("--json", type=str, default=None, help="also write the results to this JSON file")
    a = p.parse_args(argv)
    if a.epochs is not None and a.epochs < 1: p.error("--epochs must be >= 1")
    if a.minutes <= 0: p.error("--minutes must be > 0")
    if a.width <= 0: p.error("--width must be > 0")
    if a.bs < 1: p.error("--bs must be >= 1")
    if a.pad < 0: p.error("--pad must be >= 0")
    try: a.blocks = tuple(int(b) for b in a.blocks.split(","))
    except ValueError: p.error(f"--blocks must be comma-separated ints, got {a.blocks!r}")
    if len(a.blocks) != len(BASE_CHANNELS): p.error(f"--blocks needs {len(BASE_CHANNELS)} entries, got {len(a.blocks)}")
    if a.quick: a.epochs, a.width = 2, a.width / 2
    return a


def matmul_gflops(dtype: torch.dtype, device: torch.device, n: int = 2048, reps: int = 5) -> float:
    "Best achieved GFLOP/s of an n x n by n x n torch.mm in `dtype` on `device`."
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    torch.mm(a, b)  # warm up
    best = float("inf")
    for _ in range(reps):
        if device.type == "cuda": torch.cuda.synchronize()
        t = time.perf_counter(); torch.mm(a, b)
        if device.type == "cuda": torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


class Trainer:
    "AdamW + 1cycle + label smoothing on in-memory tensors, channels-last, optional bf16 autocast."
    def __init__(self, model, x, y, a, device, bf16):
        self.model, self.x, self.y, self.a, self.device, self.bf16 = model, x, y, a, device, bf16
        self.g = torch.Generator().manual_seed(a.seed)
        self.steps_per_epoch = len(x) // a.bs

    def step(self, idx, opt, sched=None) -> float:
        a = self.a
        xb = augment(self.x[idx], a.pad, not a.no_flip, self.g).to(self.device).contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, torch.bfloat16, enabled=self.bf16):
            loss = F.cross_entropy(self.model(xb), self.y[idx].to(self.device), label_smoothing=a.label_smoothing)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        if sched is not None: sched.step()
        return loss.item()

    def fit_for(self, seconds: float, log=print) -> tuple[float, int]:
        "Train for `seconds` of wall time, 1cycle over elapsed time (so a slow or noisy machine cannot overrun); return (seconds, steps)."
        a, m = self.a, self.model
        opt = torch.optim.AdamW(m.parameters(), lr=a.lr, weight_decay=a.wd)
        start, steps, epoch = time.perf_counter(), 0, 0
        while True:
            m.train(); t, perm, total, n = time.perf_counter(), torch.randperm(len(self.x), generator=self.g), 0.0, 0
            for i in range(self.steps_per_epoch):
                pct = (time.perf_counter() - start) / seconds
                if pct >= 1: break
                set_hypers(opt, *one_cycle(pct, a.lr, pct_start=0.3, div=25., div_final=25e4))  # OneCycleLR's defaults
                total += self.step(perm[i * a.bs:(i + 1) * a.bs], opt); n += 1
            steps += n; epoch += n / self.steps_per_epoch
            if n: log(f"epoch {epoch:.2f}: train loss {total / n:.4f}, {time.perf_counter() - t:.1f} s")
            if n < self.steps_per_epoch: return time.perf_counter() - start, steps

    def fit(self, epochs: int, log=print) -> float:
        "Train for `epochs`; return the seconds spent."
        a, m = self.a, self.model
        opt = torch.optim.AdamW(m.parameters(), lr=a.lr, weight_decay=a.wd)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=epochs * self.steps_per_epoch)
        start = time.perf_counter()
        for epoch in range(epochs):
            m.train(); t, perm, total = time.perf_counter(), torch.randperm(len(self.x), generator=self.g), 0.0
            for i in range(self.steps_per_epoch):
                total += self.step(perm[i * a.bs:(i + 1) * a.bs], opt, sched)
            log(f"epoch {epoch + 1}/{epochs}: train loss {total / self.steps_per_epoch:.4f}, {time.perf_counter() - t:.1f} s")
        return time.perf_counter() - start


def predict(model, x, device, bf16, tta: bool, bs: int = 1000) -> torch.Tensor:
    "Class probabilities for `x`; with `tta`, averaged with those of the mirrored images."
    model.eval(); out = []
    with torch.no_grad(), torch.autocast(device.type, torch.bfloat16, enabled=bf16):
        for i in range(0, len(x), bs):
            xb = x[i:i + bs].to(device).contiguous(memory_format=torch.channels_last)
            p = model(xb).float().softmax(1)
            if tta: p = (p + model(xb.flip(3)).float().softmax(1)) / 2
            out.append(p.cpu())
    return torch.cat(out)


def main(argv=None) -> dict:
    a = parse_args(argv)
    t_start = time.perf_counter()
    torch.manual_seed(a.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    mm32 = matmul_gflops(torch.float32, device)
    mm16 = matmul_gflops(torch.bfloat16, device)
    bf16 = {"on": True, "off": False, "auto": mm16 > 1.2 * mm32}[a.bf16]

    data = fashion_mnist()
    mean, std = data.x_train.mean(), data.x_train.std()
    x, y = (data.x_train - mean) / std, data.y_train
    xv, yv = (data.x_valid - mean) / std, data.y_valid
    if a.validate:  # a fixed random 10,000 of the training images replace the test set
        perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
        xv, yv, x, y = x[perm[:10_000]], y[perm[:10_000]], x[perm[10_000:]], y[perm[10_000:]]
    if a.quick:
        keep = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))[:20_000]
        x, y = x[keep], y[keep]

    channels = tuple(max(1, round(c * a.width)) for c in BASE_CHANNELS)
    model = resnet(channels=channels, blocks=a.blocks, stem=(max(1, channels[0] // 2),))
    model = model.to(device, memory_format=torch.channels_last)
    flops_img = flop_count(model, (1, 1, 28, 28))
    tr = Trainer(model, x, y, a, device, bf16)
    print(f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}, device {device}")
    print(f"matmul 2048x2048: {mm32:.0f} GFLOP/s float32, {mm16:.0f} GFLOP/s bfloat16 -> bf16 autocast {'on' if bf16 else 'off'}")
    print(f"model: resnet(channels={channels}, blocks={a.blocks}), {param_count(model):,} parameters, "
          f"{flops_img / 1e6:.1f} MFLOPs per image (forward)")

    if a.epochs is None:  # a time budget: the schedule follows the clock, and training stops at the budget
        train_s, steps = tr.fit_for(a.minutes * 60)
        epochs = round(steps / tr.steps_per_epoch, 2)
    else:
        epochs = a.epochs
        train_s, steps = tr.fit(epochs), epochs * tr.steps_per_epoch
    imgs_per_s = steps * a.bs / train_s
    acc = (predict(model, xv, device, bf16, tta=False).argmax(1) == yv).float().mean().item()
    acc_tta = (predict(model, xv, device, bf16, tta=True).argmax(1) == yv).float().mean().item() if not a.no_flip else acc
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 if sys.platform != "darwin" else 1024 ** 2)
    res = dict(test_accuracy=acc, test_accuracy_flip_tta=acc_tta, epochs=epochs, train_seconds=train_s,
               total_seconds=time.perf_counter() - t_start, train_images_per_second=imgs_per_s,
               peak_rss_mb=peak_mb, params=param_count(model), mflops_per_image=flops_img / 1e6,
               achieved_gflops=flops_img * 3 * imgs_per_s / 1e9, matmul_gflops_fp32=mm32, matmul_gflops_bf16=mm16,
               bf16=bf16, quick=a.quick, validate=a.validate, evaluated_on='held-out training images' if a.validate else 'test set', threads=torch.get_num_threads(), device=str(device))
    if device.type == "cuda": res["peak_cuda_mb"] = torch.cuda.max_memory_allocated() / 2 ** 20
    print(f"{'validation (held-out training images)' if a.validate else 'test'} accuracy {acc:.4f}, with flip TTA {acc_tta:.4f}")
    print(f"training {train_s:.1f} s ({epochs} epochs), total {res['total_seconds']:.1f} s, "
          f"{imgs_per_s:.0f} training images/s, peak memory (max RSS) {peak_mb:.0f} MB")
    print(f"training arithmetic: {res['achieved_gflops']:.1f} GFLOP/s achieved (forward + backward = 3 x forward FLOPs), "
          f"matmul peak {max(mm32, mm16 if bf16 else 0):.0f} GFLOP/s")
    print("RESULT " + json.dumps(res))
    if a.json:
        with open(a.json, "w") as f: json.dump(res, f, indent=1)
    return res


if __name__ == "__main__":
    main()
