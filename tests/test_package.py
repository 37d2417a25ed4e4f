"""Build the sdist and, from it, the wheel, as `python -m build` does for a release; check what each
carries, then install the wheel into a fresh environment and import it from there."""
import os
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile

import pytest
from conftest import ROOT

MODULES = sorted(p.stem for p in (ROOT / "cnn_course").glob("*.py"))
LICENSES = ["LICENSE", "LICENSE-content.md"]


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    "sdist and wheel, the wheel built from the unpacked sdist (so a file missing from the sdist fails it)."
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    (sdist,) = out.glob("cnn_course-*.tar.gz")
    (whl,) = out.glob("cnn_course-*.whl")
    return sdist, whl


def test_sdist_is_the_library_and_its_licences(dist):
    "The sdist carries no tests (they need the whole repository, and run from a clone), only the library."
    sdist, _ = dist
    with tarfile.open(sdist) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    top = {n.split("/")[0] for n in names}
    assert top == {"cnn_course", "cnn_course.egg-info", "PKG-INFO", "README.md", "pyproject.toml", "setup.cfg",
                   "MANIFEST.in", *LICENSES}, sorted(top)
    assert {f"cnn_course/{m}.py" for m in MODULES} <= names


def test_wheel_carries_the_licences(dist):
    _, whl = dist
    z = zipfile.ZipFile(whl)
    info = next(n.split("/")[0] for n in z.namelist() if n.endswith(".dist-info/METADATA"))
    for f in LICENSES:
        assert z.read(f"{info}/licenses/{f}") == (ROOT / f).read_bytes()
    meta = z.read(f"{info}/METADATA").decode()
    assert "License-Expression: Apache-2.0" in meta
    assert {f"License-File: {f}" for f in LICENSES} <= set(meta.splitlines())
    assert "Project-URL: Documentation, https://cnn-course.github.io/cnn_course/" in meta


def test_wheel_installs_and_imports(dist, tmp_path):
    _, whl = dist
    names = zipfile.ZipFile(whl).namelist()
    assert {f"cnn_course/{m}.py" for m in MODULES} <= set(names)
    assert not [n for n in names if n.endswith(".ipynb")], "notebooks must not ship in the wheel"
    meta = next(n for n in names if n.endswith("METADATA"))
    requires = zipfile.ZipFile(whl).read(meta).decode()
    for dep in ("torch", "torchvision", "fastai"): assert f"Requires-Dist: {dep}" in requires

    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env)
    py = env / "bin" / "python"
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # nothing may shadow the fresh env
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--force-reinstall", str(whl)],
                   check=True, capture_output=True, env=clean)
    # the fresh environment gets the wheel; its third-party dependencies come from this one
    deps = sysconfig.get_paths()["purelib"]
    code = ("import cnn_course, cnn_course.data; from cnn_course.conv import conv2d; "
            "print(cnn_course.__file__)")
    out = subprocess.run([str(py), "-c", code], cwd=tmp_path, env={"PYTHONPATH": deps, "PATH": "/usr/bin:/bin"},
                         check=True, capture_output=True, text=True).stdout
    assert str(env) in out, f"imported {out.strip()}, not the installed wheel"
