"""Fashion-MNIST benchmark: the course's best CPU recipe, trained from scratch.

Trains a ResNet from `cnn_course.models` with the course's `Learner` on the 60,000
training images of Fashion-MNIST and reports accuracy on the official 10,000 test
images, with wall time, throughput, peak memory and the arithmetic rate it achieved
beside the machine's matrix-multiply rate. See bench/README.md.

    python bench/fashion_mnist.py               # full run, 10-minute budget
    python bench/fashion_mnist.py --quick       # the quick mode, about 2 minutes
    python bench/fashion_mnist.py --epochs 12   # fixed epochs, not a budget
    python bench/fashion_mnist.py --steps 2800  # fixed steps: repeats a budget run
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import resource
import shlex
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import torch
import torch.nn.functional as F

from cnn_course.data import fashion_mnist
from cnn_course.models import augment, flop_count, resnet
from cnn_course.train import (Autocast, BatchTransform, ChannelsLast, Learner,
                              bf16_faster, matmul_gflops, tensor_dls)
from cnn_course.tricks import (EMA, CutMix, MixUp, Muon, conv_split, ensemble_preds,
                               random_erase)
from cnn_course.utils import param_count

sys.path.insert(0, str(Path(__file__).resolve().parent))
from levers import (AltFlip, Lookahead, dirac_init, freeze_norm_scales,  # noqa: E402
                    norm_bias_split)

BASE_CHANNELS = (32, 64, 128, 256)  # stage widths at --width 1; stem: half the first
SCHEDULE = dict(pct_start=0.3, div=25., div_final=25e4)  # 1cycle as torch's OneCycleLR
RUNS = Path(__file__).resolve().parent / "runs"  # the run log: one JSON file per run


def add_recipe_args(p: argparse.ArgumentParser):
    "The recipe's options (model, batch, optimizer, augmentation), shared with peers.py."
    add = p.add_argument
    add("--width", type=float, default=1.0, help=f"times the widths {BASE_CHANNELS}")
    add("--blocks", type=str, default="1,1,1,1", help="residual blocks per stage")
    add("--channels", type=str, default=None,
        help="stage widths with commas, e.g. 32,64,128 (replaces --width; as many "
             "stages as entries, each halving the grid; --blocks must match)")
    add("--bs", type=int, default=256, help="batch size")
    add("--lr-max", type=float, default=1e-2,
        help="peak learning rate of the 1cycle (with --opt muon: of the parameters "
             "that are not convolution filters)")
    add("--wd", type=float, default=0.05,
        help="weight decay (decoupled for Muon and AdamW, L2 for SGD)")
    add("--label-smoothing", type=float, default=0.1)
    add("--pad", type=int, default=1, help="random shifts of up to this many pixels")
    add("--no-flip", action="store_true", help="no random flips (and no flip TTA)")
    add("--erase", type=float, default=0.,
        help="random erasing: the share of images that get one erased rectangle "
             "(cnn_course.tricks.random_erase, after the shifts and flips; 0: none)")
    add("--ema", type=float, default=None,
        help="evaluate an exponential moving average of the weights with this decay "
             "(cnn_course.tricks.EMA, e.g. 0.999; default: none)")
    add("--bf16", choices=("auto", "on", "off"), default="auto",
        help="bfloat16 autocast; auto: where cnn_course.train.bf16_faster finds a gain")
    add("--seed", type=int, default=42)


def check_recipe_args(p: argparse.ArgumentParser, a: argparse.Namespace):
    "Refuse impossible recipe settings with argparse's error; tuples for the stages."
    if a.bs < 1: p.error("--bs must be >= 1")
    if a.width <= 0: p.error("--width must be > 0")
    if a.pad < 0: p.error("--pad must be >= 0")
    if not 0 <= a.erase <= 1: p.error("--erase must be in [0, 1]")
    if a.ema is not None and not 0 < a.ema < 1: p.error("--ema must be in (0, 1)")
    try: a.blocks = tuple(int(b) for b in a.blocks.split(","))
    except ValueError: p.error(f"--blocks must be ints with commas, got {a.blocks!r}")
    if a.channels is not None:
        try: a.channels = tuple(int(c) for c in a.channels.split(","))
        except ValueError:
            p.error(f"--channels must be ints with commas, got {a.channels!r}")
        if min(a.channels) < 1: p.error("--channels must all be >= 1")
    n_stages = len(a.channels or BASE_CHANNELS)
    if len(a.blocks) != n_stages:
        p.error(f"--blocks needs {n_stages} entries (one per stage), got {len(a.blocks)}")


def make_model(a: argparse.Namespace) -> torch.nn.Module:
    "The recipe's ResNet, its weights drawn from --seed: stem half the first stage's width."
    torch.manual_seed(a.seed)
    stem = (max(1, channels(a)[0] // 2),)
    return resnet(channels=channels(a), blocks=a.blocks, stem=stem)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = p.add_argument
    add("--minutes", type=float, default=None,
        help="training budget (default 10 without --epochs, --steps or --quick): the "
             "steps are fixed from a timed warm-up, the clock is only a safety stop")
    add("--epochs", type=int, default=None, help="train for exactly this many epochs")
    add("--steps", type=int, default=None,
        help="train for exactly this many optimizer steps (repeats a budget run)")
    add_recipe_args(p)
    add_lever_args(p)
    add("--compile", action="store_true",
        help="torch.compile the model (inductor; its compile time counts as training)")
    add("--ensemble", type=int, default=1,
        help="train this many models (seeds --seed, --seed+1, ...), each on its share of "
             "--steps or --minutes, and average their probabilities")
    add("--quick", action="store_true",
        help="the quick mode: half width, 2,000 steps unless --minutes, --epochs or "
             "--steps says otherwise (about 2 minutes on a 2-core Xeon with AMX)")
    add("--train-images", type=int, default=None,
        help="train on this many of the training images (a fixed random subset)")
    add("--test-images", type=int, default=None,
        help="score only the first this many test images (for smoke tests)")
    add("--validate", action="store_true",
        help="train on 50,000 images, score the other 10,000 training images, not the "
             "test set: for choosing settings")
    add("--json", type=str, default=None, help="also write the results to this file")
    add_log_args(p)
    a = p.parse_args(argv)
    if a.quick:
        a.width = a.width / 2
        if a.epochs is a.steps is a.minutes is None: a.steps = 2000
    if a.epochs is a.steps is a.minutes is None: a.minutes = 10.
    _check_args(p, a)
    if a.run_dir is None and not (a.quick or a.no_log): a.run_dir = str(RUNS)
    return a


def add_lever_args(p: argparse.ArgumentParser):
    "Options for the optimizer, the speedruns' levers (bench/levers.py) and mixup/cutmix."
    add = p.add_argument
    add("--opt", choices=("adamw", "sgd", "muon"), default="muon",
        help="muon (default): cnn_course.tricks.Muon on the convolution filters at --muon-lr, AdamW "
             "at --lr-max on the rest; adamw: AdamW on everything; sgd: SGD with Nesterov "
             "momentum (--wd as its L2 weight decay)")
    add("--muon-lr", type=float, default=0.02, help="peak learning rate of Muon's group")
    add("--lookahead", type=int, default=None, metavar="K",
        help="Lookahead: every K steps move half-way back to the slow weights")
    add("--alt-flip", action="store_true",
        help="alternating flips instead of random ones (levers.AltFlip)")
    add("--freeze-bn-scale", action="store_true",
        help="batch-norm scales fixed at 1 (levers.freeze_norm_scales)")
    add("--bias-lr-mult", type=float, default=1.0,
        help="batch-norm biases train at this multiple of --lr-max")
    add("--dirac", action="store_true",
        help="stride-1 3x3 convolutions start as identity maps (levers.dirac_init)")
    add("--mixup", type=float, default=0., metavar="ALPHA",
        help="mixup with lam ~ Beta(ALPHA, ALPHA) (cnn_course.tricks.MixUp; 0: none)")
    add("--cutmix", type=float, default=0., metavar="ALPHA",
        help="cutmix with lam ~ Beta(ALPHA, ALPHA) (cnn_course.tricks.CutMix; 0: none)")


def check_lever_args(p: argparse.ArgumentParser, a: argparse.Namespace):
    "Refuse impossible lever settings with argparse's error."
    if a.muon_lr <= 0: p.error("--muon-lr must be > 0")
    if a.lookahead is not None and a.lookahead < 1: p.error("--lookahead must be >= 1")
    if a.bias_lr_mult <= 0: p.error("--bias-lr-mult must be > 0")
    if a.mixup < 0 or a.cutmix < 0: p.error("--mixup and --cutmix must be >= 0")
    if a.mixup and a.cutmix: p.error("give --mixup or --cutmix, not both")
    if a.alt_flip and a.no_flip: p.error("--alt-flip and --no-flip contradict each other")
    if a.opt == "muon" and a.bias_lr_mult != 1:
        p.error("--bias-lr-mult works with --opt adamw or sgd, not muon (the default)")


def add_log_args(p: argparse.ArgumentParser):
    "--run-dir and --no-log: where each run's RESULT is logged (see `log_run`)."
    p.add_argument("--run-dir", type=str, default=None,
                   help=f"log the run's RESULT as a JSON file in this folder (default "
                        f"{RUNS.relative_to(RUNS.parent.parent)}/, except for --quick)")
    p.add_argument("--no-log", action="store_true",
                   help="write no run log (unless --run-dir is given)")


def run_info(argv=None, script: str = __file__) -> dict:
    "What reproduces a run: its command line, the git commit (and whether it was dirty)."
    args = sys.argv[1:] if argv is None else list(argv)
    path, root = Path(sys.argv[0] if argv is None else script).resolve(), RUNS.parents[1]
    cmd = shlex.join(["python", str(path.relative_to(root) if path.is_relative_to(root)
                                    else path), *args])
    def git(*a):
        try:
            r = subprocess.run(["git", *a], capture_output=True, text=True, timeout=30,
                               cwd=RUNS.parent)
            return r.stdout.strip() if r.returncode == 0 else None
        except (OSError, subprocess.SubprocessError): return None
    # dirty: the code that runs (the scripts, the library) differs from the commit
    status = git("status", "--porcelain", "--", "*.py")
    return dict(command=cmd, argv=args, git_commit=git("rev-parse", "HEAD"),
                git_dirty=None if status is None else bool(status),
                date=datetime.datetime.now(datetime.timezone.utc)
                .isoformat(timespec="seconds"),
                cpu=_cpu_name(), torch=torch.__version__, python=platform.python_version())


def _cpu_name() -> str:
    "The CPU's model name from /proc/cpuinfo where there is one, else `platform`'s."
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"): return line.split(":", 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()


def log_run(res: dict, run_dir: str | None, kind: str) -> Path | None:
    "Write `res` to `run_dir`/<UTC time>_<kind>_seed<seed>.json (never overwriting)."
    if run_dir is None: return None
    d = Path(run_dir); d.mkdir(parents=True, exist_ok=True)
    stamp = res["date"].replace("+00:00", "Z").replace(":", "")
    for i in range(1000):
        f = d / f"{stamp}_{kind}_seed{res['seed']}{f'_{i}' if i else ''}.json"
        try:
            with open(f, "x") as fh: json.dump(res, fh, indent=1)
            return f
        except FileExistsError: continue
    raise FileExistsError(f"no free run-log name in {d} for {stamp}_{kind}")


def _check_args(p: argparse.ArgumentParser, a: argparse.Namespace):
    "Refuse impossible settings with argparse's error; `--blocks` becomes a tuple."
    if sum(v is not None for v in (a.epochs, a.steps, a.minutes)) > 1:
        p.error("give one of --minutes, --epochs and --steps")
    for name in ("epochs", "steps", "train_images", "test_images"):
        v = getattr(a, name)
        if v is not None and v < 1: p.error(f"--{name.replace('_', '-')} must be >= 1")
    if a.minutes is not None and a.minutes <= 0: p.error("--minutes must be > 0")
    if a.ensemble < 1: p.error("--ensemble must be >= 1")
    if a.ensemble > 1 and a.epochs is not None:
        p.error("--ensemble splits --steps or --minutes among the models, not --epochs")
    if a.ensemble > 1 and a.steps is not None and a.steps < a.ensemble:
        p.error(f"--steps {a.steps} cannot be split among {a.ensemble} models")
    check_recipe_args(p, a)
    check_lever_args(p, a)


def load_data(a: argparse.Namespace):
    "Normalised (x, y) for training and (x, y) to score, as the options choose them."
    data = fashion_mnist()
    mean, std = data.x_train.mean(), data.x_train.std()
    x, y = (data.x_train - mean) / std, data.y_train
    xv, yv = (data.x_valid - mean) / std, data.y_valid
    if a.validate:  # a fixed random 10,000 of the training images replace the test set
        perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
        val, trn = perm[:10_000], perm[10_000:]
        xv, yv, x, y = x[val], y[val], x[trn], y[trn]
    if a.train_images:
        keep = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
        x, y = x[keep[:a.train_images]], y[keep[:a.train_images]]
    if a.test_images: xv, yv = xv[:a.test_images], yv[:a.test_images]
    return x, y, xv, yv


def channels(a: argparse.Namespace) -> tuple[int, ...]:
    "The stage widths: --channels, or `BASE_CHANNELS` times --width."
    if a.channels: return a.channels
    return tuple(max(1, round(c * a.width)) for c in BASE_CHANNELS)


def make_learner(a: argparse.Namespace, x, y, device, bf16: bool) -> Learner:
    "The recipe: ResNet, Muon (or --opt), label smoothing, shifts, flips, channels-last, bf16."
    model = make_model(a)
    if a.dirac: dirac_init(model)
    if a.freeze_bn_scale: freeze_norm_scales(model)
    g = torch.Generator().manual_seed(a.seed)
    flip = not (a.no_flip or a.alt_flip)  # alternating flips replace random ones
    tfm = partial(augment, pad=a.pad, flip=flip, g=g)
    if a.erase:
        def tfm(x, shift_flip=tfm): return random_erase(shift_flip(x), p=a.erase, g=g)
    cbs = [BatchTransform(tfm)] if a.pad or flip or a.erase else []
    if a.alt_flip: cbs.append(AltFlip(seed=a.seed))
    if a.mixup: cbs.append(MixUp(a.mixup, seed=a.seed))
    if a.cutmix: cbs.append(CutMix(a.cutmix, seed=a.seed))
    if a.ema: cbs.append(EMA(a.ema))
    if a.lookahead: cbs.append(Lookahead(a.lookahead))
    loss = partial(F.cross_entropy, label_smoothing=a.label_smoothing)
    dls = tensor_dls(x, y, bs=a.bs, seed=a.seed)
    model = model.to(device)
    splitter = None
    if a.opt == "muon": splitter = conv_split
    elif a.bias_lr_mult != 1: splitter = norm_bias_split
    if a.compile: model = torch.compile(model)
    opt = {"adamw": partial(torch.optim.AdamW, weight_decay=a.wd),
           "sgd": partial(torch.optim.SGD, momentum=0.9, nesterov=True,
                          weight_decay=a.wd),
           "muon": partial(Muon, weight_decay=a.wd)}[a.opt]
    return Learner(model, dls, loss_func=loss, opt_func=opt, splitter=splitter,
                   cbs=[*cbs, ChannelsLast(), Autocast(bf16)])


def lr_max(a: argparse.Namespace):
    "The peak rate: one, or one per parameter group (Muon's; the norm biases' multiple)."
    if a.opt == "muon": return [a.muon_lr, a.lr_max]
    if a.bias_lr_mult != 1: return [a.lr_max, a.lr_max * a.bias_lr_mult]
    return a.lr_max


def train(learn: Learner, a: argparse.Namespace) -> float:
    "Train for --steps, --epochs or the budget (each model its share of an ensemble's)."
    start, n = time.perf_counter(), a.ensemble
    lr = lr_max(a)
    if a.steps: learn.fit_one_cycle(steps=a.steps // n, lr_max=lr, **SCHEDULE)
    elif a.epochs: learn.fit_one_cycle(a.epochs, lr_max=lr, **SCHEDULE)
    else:
        learn.fit_one_cycle(seconds=a.minutes * 60 / n, lr_max=lr, **SCHEDULE)
        print(f"budget {a.minutes / n:g} min: {learn.n_steps} steps planned from a timed "
              f"warm-up, {learn.step} done (repeat it with --steps {learn.n_steps * n})")
    return time.perf_counter() - start


def main(argv=None) -> dict:
    a = parse_args(argv)
    info = run_info(argv)
    t_start = time.perf_counter()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    bf16 = {"on": True, "off": False, "auto": bf16_faster(str(device))}[a.bf16]
    mm32 = matmul_gflops(torch.float32, str(device))
    # where bfloat16 is emulated, its 2048x2048 product alone takes minutes: skip it
    mm16 = matmul_gflops(torch.bfloat16, str(device)) if bf16 else None
    x, y, xv, yv = load_data(a)
    seeds = [a.seed + i for i in range(a.ensemble)]  # the models of an ensemble
    learns = [make_learner(argparse.Namespace(**{**vars(a), "seed": s}), x, y, device,
                           bf16) for s in seeds]
    learn = learns[0]
    flops_img = flop_count(getattr(learn.model, "_orig_mod", learn.model), (1, 1, 28, 28))
    print(f"{_cpu_name()}, {torch.get_num_threads()} "
          f"threads, torch {torch.__version__}, device {device}")
    print(f"matmul 2048x2048: {mm32:.0f} GFLOP/s float32"
          + (f", {mm16:.0f} GFLOP/s bfloat16" if mm16 else "")
          + f"; bf16 autocast {'on' if bf16 else 'off'}")
    print(f"model: resnet(channels={channels(a)}, blocks={a.blocks}), "
          f"{param_count(learn.model):,} parameters, {flops_img / 1e6:.1f} MFLOPs per "
          f"image (forward); {len(x):,} training images"
          + (f"; an ensemble of {a.ensemble}, seeds {seeds}" if a.ensemble > 1 else ""))
    fit_s = sum(train(lrn, a) for lrn in learns)
    mm = dict(mm32=mm32, mm16=mm16, bf16=bf16)
    res = report(learns, a, xv, yv, fit_s, flops_img, mm)
    res.update(total_seconds=time.perf_counter() - t_start, train_images=len(x),
               quick=a.quick, validate=a.validate, seed=a.seed, device=str(device),
               threads=torch.get_num_threads(), options=vars(a), **info)
    log = log_run(res, a.run_dir, "validate" if a.validate else "test")
    if log: print(f"run logged in {log}")
    print("RESULT " + json.dumps(res))
    if a.json:
        with open(a.json, "w") as f: json.dump(res, f, indent=1)
    return res


def report(learns: list[Learner], a, xv, yv, fit_s: float, flops_img: int,
           mm: dict) -> dict:
    "Accuracy (no TTA, flip TTA, shift TTA), speed and memory of the trained learner(s)."
    def accuracy(models, tta=False, shift=0):
        probs = ensemble_preds(models, xv, tta=tta, shift=shift)
        return (probs.argmax(1) == yv).float().mean().item()
    acc = accuracy(learns)
    acc_tta = acc if a.no_flip else accuracy(learns, tta=True)
    # shift TTA: also the images moved by one pixel up, down, left and right (zero fill,
    # as `augment` pads), each with its mirror unless --no-flip: 5 or 10 views
    acc_shift = accuracy(learns, tta=not a.no_flip, shift=1)
    learn, steps = learns[0], sum(lrn.step for lrn in learns)
    seconds = sum(lrn.history.seconds.sum() for lrn in learns)
    imgs_s = steps * a.bs / seconds  # epochs only, no warm-up
    kib = 1024 if sys.platform == "darwin" else 1                 # macOS reports bytes
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kib / 1024
    split = "valid" if a.validate else "test"  # a validation run has no test_* keys
    res = {f"{split}_accuracy": acc, f"{split}_accuracy_flip_tta": acc_tta,
           f"{split}_accuracy_shift_tta": acc_shift}
    if len(learns) > 1:  # each model alone, no TTA
        res[f"{split}_accuracy_members"] = [accuracy([lrn]) for lrn in learns]
    res.update(steps=steps,
               planned_steps=sum(lrn.n_steps for lrn in learns),
               epochs=round(steps / len(learn.dls.train), 2),
               train_seconds=fit_s, train_images_per_second=imgs_s, peak_rss_mb=peak_mb,
               params=param_count(learn.model), mflops_per_image=flops_img / 1e6,
               achieved_gflops=flops_img * 3 * imgs_s / 1e9,
               matmul_gflops_fp32=mm["mm32"],
               matmul_gflops_bf16=mm["mm16"], bf16=mm["bf16"],
               evaluated_on="held-out training images" if a.validate else "test set")
    if torch.cuda.is_available():
        res["peak_cuda_mb"] = torch.cuda.max_memory_allocated() / 2 ** 20
    where = "validation (held-out training images)" if a.validate else "test"
    print(f"{where} accuracy {acc:.4f}, with flip TTA {acc_tta:.4f}, with shift TTA "
          f"{acc_shift:.4f}")
    if len(learns) > 1:
        print("each model alone: " + ", ".join(
            f"{v:.4f}" for v in res[f"{split}_accuracy_members"]))
    print(f"training {fit_s:.1f} s ({res['epochs']} epochs, {steps} steps), "
          f"{imgs_s:.0f} training images/s, peak memory (max RSS) {peak_mb:.0f} MB")
    print(f"training arithmetic: {res['achieved_gflops']:.1f} GFLOP/s achieved "
          f"(forward + backward = 3 x forward FLOPs), matmul peak "
          f"{max(mm['mm32'], mm['mm16'] or 0):.0f} GFLOP/s")
    return res


if __name__ == "__main__":
    main()
