"""The benchmark runs: `bench/fashion_mnist.py --quick` on a small subset, a few steps,
and `bench/peers.py`, the three training loops side by side, for a few tiny steps.

The smoke run trains the benchmark's recipe (half width, as --quick sets it) on 2,000
training images for 60 optimizer steps of 64 images (two epochs), a fixed number so that
the test does not depend on how busy the machine is (chapter 7 tests the time budget),
and scores the first 1,000 test images. The last line must be the RESULT JSON with every
key the README promises and an accuracy well above the 10% of guessing (a run on the
course's machine scored 71.6%). Runs log into a temporary folder, never bench/runs/.
The tests check what the scripts print and log, not how fast they are: speed goals are
benchmark figures (bench/README.md), not tests.
"""
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

KEYS = {"test_accuracy", "test_accuracy_flip_tta", "test_accuracy_shift_tta", "steps",
        "planned_steps", "epochs", "train_seconds", "total_seconds",
        "train_images_per_second", "peak_rss_mb",
        "params", "mflops_per_image", "achieved_gflops", "matmul_gflops_fp32",
        "matmul_gflops_bf16", "bf16", "quick", "validate", "evaluated_on",
        "train_images", "seed", "device", "threads", "command", "argv", "git_commit",
        "git_dirty", "date", "options"}


def _result(script: str, *args: str) -> dict:
    "Run bench/`script` with `args`; its last line, the RESULT JSON, as a dict."
    cmd = [sys.executable, str(ROOT / "bench" / script), *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's cnn_course
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()
    assert lines[-1].startswith("RESULT "), r.stdout[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


def _quick_run(*args: str, seed: int = 42) -> dict:
    "The smoke run's RESULT, as a dict."
    return _result("fashion_mnist.py", "--quick", "--train-images", "2000",
                   "--test-images", "1000", "--bs", "64", "--steps", "60",
                   "--seed", str(seed), *args)


def _logged(run_dir, res: dict) -> dict:
    "The one run log in `run_dir`, which must hold the RESULT `res`."
    logs = list(run_dir.iterdir())
    assert len(logs) == 1 and logs[0].suffix == ".json", logs
    logged = json.loads(logs[0].read_text())
    assert logged == json.loads(json.dumps(res)), (logged, res)
    return logged


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> dict:
    run_dir = tmp_path_factory.mktemp("runs")
    res = _quick_run("--run-dir", str(run_dir))
    res["logged"] = _logged(run_dir, res)
    return res


def test_bench_quick_smoke_run(first_run):
    res = first_run
    assert KEYS <= res.keys(), sorted(KEYS - res.keys())
    assert res["train_images"] == 2000 and res["evaluated_on"] == "test set"
    assert res["steps"] == res["planned_steps"] == 60 and res["quick"], res
    assert res["test_accuracy"] > 0.5 and res["test_accuracy_flip_tta"] > 0.5, res
    assert res["test_accuracy_shift_tta"] > 0.5, res


def test_bench_logs_the_run_with_its_command(first_run):
    "The run log holds the RESULT: the command line, seed, date and git commit."
    log = first_run["logged"]
    assert log["command"].startswith("python bench/fashion_mnist.py --quick"), log
    assert log["argv"][-2:] == ["--run-dir", log["options"]["run_dir"]], log
    assert log["seed"] == 42 and log["date"].startswith("20"), log
    assert log["git_commit"] is None or len(log["git_commit"]) == 40, log


def test_bench_validate_scores_held_out_training_images(tmp_path):
    """--validate reports validation accuracy only: no test_* keys, test set unscored.

    The network has three stages of its own widths (--channels), not the default four, and
    it is an ensemble of two such networks, each trained for half of the 4 steps."""
    res = _quick_run("--validate", "--train-images", "500", "--steps", "4",
                     "--channels", "8,16,32", "--blocks", "1,1,1", "--ensemble", "2",
                     "--run-dir", str(tmp_path))
    assert res["options"]["channels"] == [8, 16, 32], res["options"]
    assert res["steps"] == 4 and len(res["valid_accuracy_members"]) == 2, res
    assert res["evaluated_on"] == "held-out training images", res
    assert {"valid_accuracy", "valid_accuracy_flip_tta", "valid_accuracy_shift_tta"} <= (
        res.keys()), res
    assert not any(k.startswith("test_acc") for k in res), sorted(res)
    assert res["train_images"] == 500 and res["validate"], res
    assert "_validate_" in next(tmp_path.iterdir()).name


def test_bench_refuses_blocks_that_do_not_match_the_stages():
    "Three widths with the four default block counts: argparse's error, nothing trained."
    cmd = [sys.executable, str(ROOT / "bench" / "fashion_mnist.py"), "--quick",
           "--channels", "8,16,32", "--no-log"]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 2, r.stderr
    assert "--blocks needs 3 entries (one per stage), got 4" in r.stderr, r.stderr


def test_bench_seed_reproduces_a_run(first_run):
    """The same seed and step count give the same accuracies: a run is reproducible.

    Half a point (5 of the 1,000 test images) is allowed, as chapter 8 allows for bfloat16
    arithmetic and thread scheduling; on one machine in float32 the runs agree exactly.
    """
    again = _quick_run("--no-log")
    for k in ("test_accuracy", "test_accuracy_flip_tta"):
        assert abs(again[k] - first_run[k]) <= 0.005, (k, first_run[k], again[k])
    assert again["steps"] == first_run["steps"]


def test_peers_side_by_side(tmp_path):
    """bench/peers.py trains the three peers and prints their rates and ratios.

    A tiny run (quarter width, batches of 32, 2 untimed + 3 timed steps, a 2-step
    profile): every peer must have a positive rate, the ratios must be the rates'
    ratios, the shares of the matmul peaks must be there, and the run must be logged.
    """
    res = _result("peers.py", "--steps", "3", "--warmup", "2", "--bs", "32",
                  "--width", "0.25", "--rounds", "1", "--profile", "2",
                  "--run-dir", str(tmp_path))
    rate = res["images_per_second"]
    assert set(rate) == {"course", "fastai", "plain"}, res
    assert all(v > 0 for v in rate.values()), rate
    for pq, v in res["ratios"].items():
        p, q = pq.split("/")
        assert abs(v - rate[p] / rate[q]) < 1e-9 * v, (pq, v, rate)
    assert {"course/fastai", "course/plain"} <= res["ratios"].keys(), res["ratios"]
    assert set(res["share_of_fp32_peak"]) == set(rate), res
    assert res["share_of_bf16_peak"] is None or set(res["share_of_bf16_peak"]) == set(
        rate), res
    assert res["matmul_gflops_fp32"] > 0 and res["steps"] == 3, res
    prof = res["profile"]
    assert abs(sum(prof["categories"].values()) - 1) < 0.01, prof["categories"]
    assert prof["top_ops"] and prof["ms_per_step"] > 0, prof
    assert _logged(tmp_path, res)["command"].startswith("python bench/peers.py")
