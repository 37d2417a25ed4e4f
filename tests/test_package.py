"""Build the wheel, install it into a fresh environment and import it from there."""
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile

from conftest import ROOT

MODULES = sorted(p.stem for p in (ROOT / "cnn_course").glob("*.py"))


def test_wheel_installs_and_imports(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
                   cwd=ROOT, check=True, capture_output=True)
    (whl,) = dist.glob("cnn_course-*.whl")
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
