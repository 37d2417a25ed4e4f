"""The benchmark runs: `bench/fashion_mnist.py --quick` on a small subset, a few steps.

The smoke run trains the benchmark's recipe (half width, as --quick sets it) on 2,000
training images for 60 optimizer steps of 64 images (two epochs), a fixed number so that
the test does not depend on how busy the machine is (chapter 7 tests the time budget),
and scores the first 1,000 test images. The last line must be the RESULT JSON with every
key the README promises and an accuracy well above the 10% of guessing (a run on the
course's machine scored 71.6%).
"""
import json
import os
import subprocess
import sys

from conftest import ROOT

KEYS = {"test_accuracy", "test_accuracy_flip_tta", "steps", "planned_steps", "epochs",
        "train_seconds", "total_seconds", "train_images_per_second", "peak_rss_mb",
        "params", "mflops_per_image", "achieved_gflops", "matmul_gflops_fp32",
        "matmul_gflops_bf16", "bf16", "quick", "validate", "evaluated_on",
        "train_images", "seed", "device", "threads", "command"}


def test_bench_quick_smoke_run():
    cmd = [sys.executable, str(ROOT / "bench" / "fashion_mnist.py"), "--quick",
           "--train-images", "2000", "--test-images", "1000", "--bs", "64",
           "--steps", "60"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's cnn_course
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()
    assert lines[-1].startswith("RESULT "), r.stdout[-3000:]
    res = json.loads(lines[-1][len("RESULT "):])
    assert KEYS <= res.keys(), sorted(KEYS - res.keys())
    assert res["train_images"] == 2000 and res["evaluated_on"] == "test set"
    assert res["steps"] == res["planned_steps"] == 60 and res["quick"], res
    assert res["test_accuracy"] > 0.5 and res["test_accuracy_flip_tta"] > 0.5, res
