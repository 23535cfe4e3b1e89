"""Generates the protobuf and gRPC code from ../../proto before the package is built.

`python -m grpc_tools.protoc --python_out --grpc_python_out` with mypy-protobuf's typed stubs
(`--mypy_out --mypy_grpc_out`, which write the same .pyi files `--pyi_out` would, with more
precise types). The code goes into src/timecoin/v1 (timecoin/v1/*.proto) and src/timecoin/rpc
(the vendored google/rpc/*.proto, imported as timecoin.rpc so that it cannot clash with
googleapis-common-protos). Runs for wheels, sdists and `pip install -e` alike.
"""
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.egg_info import egg_info

HERE = Path(__file__).resolve().parent
PROTO = HERE.parent.parent / "proto"
PACKAGE = HERE / "src" / "timecoin"


def mypy_plugin(name: str) -> str:
    """The mypy-protobuf plugin executables of the build environment."""
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        candidate = folder / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install mypy-protobuf==5.1.0")
    return found


def generate() -> None:
    if not PROTO.is_dir():
        if (PACKAGE / "v1" / "node_pb2.py").exists():
            return  # an sdist built before: the code is already there
        raise RuntimeError(f"the protos are not at {PROTO}")
    sources = sorted(str(p.relative_to(PROTO)) for p in (PROTO / "timecoin" / "v1").glob("*.proto"))
    sources += sorted(str(p.relative_to(PROTO)) for p in (PROTO / "google" / "rpc").glob("*.proto"))
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO}",
                        f"--python_out={out}", f"--grpc_python_out={out}",
                        f"--plugin=protoc-gen-mypy={mypy_plugin('protoc-gen-mypy')}",
                        f"--plugin=protoc-gen-mypy_grpc={mypy_plugin('protoc-gen-mypy_grpc')}",
                        f"--mypy_out={out}", f"--mypy_grpc_out={out}", *sources], check=True)
        for src, dest in (("timecoin/v1", "v1"), ("google/rpc", "rpc")):
            target = PACKAGE / dest
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            (target / "__init__.py").write_text('"""Generated from proto/ at build time (setup.py)."""\n')
            for f in sorted((Path(out) / src).iterdir()):
                if f.suffix in (".py", ".pyi"):
                    text = f.read_text()
                    if f.suffix == ".py":  # the import lines only: the descriptors keep google.rpc
                        text = re.sub(r"^from google\.rpc import", "from timecoin.rpc import", text, flags=re.M)
                    else:
                        text = re.sub(r"\bgoogle\.rpc\b", "timecoin.rpc", text)
                    (target / f.name).write_text(text)


class BuildPy(build_py):
    def run(self) -> None:
        generate()
        super().run()


class EggInfo(egg_info):
    def run(self) -> None:
        generate()  # before the file list is made, so the generated modules are in it
        super().run()


setup(cmdclass={"build_py": BuildPy, "egg_info": EggInfo})
