"""`cnn_course.distributed.launch` with functions (chapter 13 launches scripts): each rank's
result comes back, every process runs with one thread, and a rank that raises fails the launch
with its own error and leaves no process behind. Runs offline: the rendezvous is on 127.0.0.1."""
import os
import time
from pathlib import Path

import pytest
import torch
import torch.distributed as dist

from cnn_course.distributed import RankFailed, launch


def _rank_sum_and_threads():
    "Run in each rank: the sum of all ranks (an all-reduce) and this process's threads."
    dist.init_process_group("gloo")
    total = torch.tensor([dist.get_rank()])
    dist.all_reduce(total)
    dist.destroy_process_group()
    return total.item(), torch.get_num_threads()


def _fail_on_rank_one(pid_dir: str):
    "Run in each rank: write the pid; rank 1 raises, the others work on until stopped."
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    (Path(pid_dir) / f"pid{rank}").write_text(str(os.getpid()))
    if rank == 1:
        raise ValueError("rank 1 cannot go on")
    time.sleep(120)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_each_rank_returns_its_result():
    assert launch(_rank_sum_and_threads, nproc=2) == {0: (1, 1), 1: (1, 1)}


def test_a_failing_rank_fails_the_launch(tmp_path):
    t0 = time.perf_counter()
    with pytest.raises(RankFailed) as e:
        launch(_fail_on_rank_one, args=(str(tmp_path),), nproc=2)
    secs, msg = time.perf_counter() - t0, str(e.value)
    assert msg.startswith("rank 1 failed with exit code 1"), msg
    assert "ValueError: rank 1 cannot go on" in msg, msg
    assert secs < 60, f"rank 0 (asleep for 120 s) was waited for: {secs:.0f} s"
    pids = [int((tmp_path / f"pid{r}").read_text()) for r in (0, 1)]
    assert [p for p in pids if _alive(p)] == [], "a process outlived the failed launch"


@pytest.mark.parametrize("exitcode", [1, -6])  # -6: SIGABRT, as gloo's threads can end a rank
def test_the_rank_that_failed_is_named_not_the_one_stopped(tmp_path, exitcode):
    """The launcher stops the other ranks with SIGTERM (-15); the rank reported is the one that
    failed on its own, whether it exited with an error code or crashed on a signal, even when
    the stopped rank's failure carries the earlier timestamp."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError, ProcessFailure
    from cnn_course.distributed import _first_failure
    stopped, failed = (ProcessFailure(r, 100 + r, code, str(tmp_path / "none"))
                       for r, code in ((0, -15), (1, exitcode)))
    stopped.timestamp, failed.timestamp = 1, 2
    log = tmp_path / "run" / "attempt_0" / "1" / "stderr.log"
    log.parent.mkdir(parents=True)
    log.write_text("Traceback (most recent call last):\nValueError: rank 1 was told to fail\n")
    msg = _first_failure(ChildFailedError("ranks.py", {0: stopped, 1: failed}), str(tmp_path))
    assert msg.startswith(f"rank 1 failed with exit code {exitcode}:"), msg
    assert msg.endswith("ValueError: rank 1 was told to fail"), msg
