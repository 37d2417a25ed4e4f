"""Lint the GitHub workflows offline, and check the promises they make about permissions and caches.

`check-jsonschema` validates each workflow against the schema it ships (`vendor.github-workflows`)
and `zizmor --offline` audits them for security problems (unpinned actions, persisted credentials,
broad permissions, template injection...) with the configuration in `.github/zizmor.yml`. Both are
in the `dev` extra and need no network.
"""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

BIN = Path(sys.executable).parent
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))


def _load(name: str) -> dict:
    wf = yaml.safe_load((WORKFLOWS / name).read_text())
    wf["on"] = wf.pop(True, wf.get("on"))  # YAML 1.1 reads the key `on` as True
    return wf


def _steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def _uses(job: dict, action: str) -> list[dict]:
    return [s for s in _steps(job) if s.get("uses", "").split("@")[0] == action]


def test_the_three_workflows_are_there():
    assert {"deploy.yml", "release.yml", "test.yml"} <= {f.name for f in FILES}
    assert not list(WORKFLOWS.glob("*.yaml")), (
        "name workflows *.yml, so that these tests see them"
    )


def test_schema():
    r = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, FILES),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_zizmor():
    r = subprocess.run(
        [
            str(BIN / "zizmor"),
            "--offline",
            "--config",
            str(ROOT / ".github" / "zizmor.yml"),
            str(WORKFLOWS),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("name", [f.name for f in FILES])
def test_least_privilege(name):
    "Every workflow sets its token's permissions; nothing but publishing asks for write access."
    wf = _load(name)
    assert "permissions" in wf, (
        "no top-level permissions: the token would get the repository's defaults"
    )
    assert wf["permissions"] in ({}, {"contents": "read"})
    writes = {
        (job_id, k)
        for job_id, job in wf["jobs"].items()
        for k, v in (job.get("permissions") or {}).items()
        if v == "write"
    }
    allowed = {
        "deploy.yml": {("deploy", "pages"), ("deploy", "id-token")},
        "release.yml": {("publish", "id-token")},
    }.get(name, set())
    assert writes == allowed


@pytest.mark.parametrize("name", ["test.yml", "deploy.yml"])
def test_pip_cache_keyed_on_pyproject(name):
    (py,) = [
        s
        for job in _load(name)["jobs"].values()
        for s in _uses(job, "actions/setup-python")
    ]
    assert (
        py["with"]["cache"] == "pip"
        and py["with"]["cache-dependency-path"] == "pyproject.toml"
    )


def test_test_workflow_runs_ci_script_with_colab_python():
    job = _load("test.yml")["jobs"]["test"]
    (py,) = _uses(job, "actions/setup-python")
    versions = py["with"]["python-version"].split()
    assert "3.13" in versions and versions[-1] == "3.11", (
        "3.11 must be the default python3, 3.13 on PATH"
    )
    assert [s["run"] for s in _steps(job) if "run" in s] == ["bash .ci/run"]


def test_deploy_caches_executed_notebooks():
    job = _load("deploy.yml")["jobs"]["build"]
    (cache,) = [
        c
        for c in _uses(job, "actions/cache")
        if c["with"]["path"] == "_build/.jupyter_cache"
    ]
    assert (
        "nbs/*.ipynb" in cache["with"]["key"]
        and "cnn_course/*.py" in cache["with"]["key"]
    )
    runs = [s.get("run") for s in _steps(job)]
    assert runs.index("make book") > _steps(job).index(cache), (
        "the cache must be restored before the build"
    )


def test_release_publishes_only_after_tests_and_build():
    wf = _load("release.yml")
    jobs = wf["jobs"]
    assert jobs["test"]["uses"] == "./.github/workflows/test.yml"
    assert "workflow_call" in _load("test.yml")["on"]
    pub = jobs["publish"]
    assert set(pub["needs"]) == {"test", "build"}
    assert pub["environment"]["name"] == "pypi"
    assert [s["uses"].split("@")[0] for s in pub["steps"]] == [
        "actions/download-artifact",
        "pypa/gh-action-pypi-publish",
    ], "the publish job only downloads the built files and uploads them"
    build = jobs["build"]
    assert any("python -m build" in s.get("run", "") for s in build["steps"])
    assert (
        _uses(build, "actions/upload-artifact")[0]["with"]["name"]
        == pub["steps"][0]["with"]["name"]
    )


@pytest.mark.parametrize("name", [f.name for f in FILES])
def test_checkout_keeps_no_credentials(name):
    "zizmor accepts an explicit `persist-credentials: true`; nothing here needs the token after checkout."
    checkouts = [
        s
        for job in _load(name)["jobs"].values()
        for s in _uses(job, "actions/checkout")
    ]
    assert all(s.get("with", {}).get("persist-credentials") is False for s in checkouts)
