"""The core is pure Python: no module under src/partspool/core may import Django."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import partspool.core

CORE_DIR = Path(partspool.core.__file__).parent
SRC_DIR = CORE_DIR.parent.parent
CORE_FILES = sorted(CORE_DIR.rglob("*.py"))
CORE_MODULES = [
    ".".join(path.relative_to(SRC_DIR).with_suffix("").parts).removesuffix(".__init__") for path in CORE_FILES
]


def imported_names(path: Path) -> list[str]:
    """Every module an import statement in ``path`` names, wherever the statement sits."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if func in {"import_module", "__import__"} and node.args and isinstance(node.args[0], ast.Constant):
                names.append(str(node.args[0].value))
    return names


def is_django(name: str) -> bool:
    top = name.split(".")[0]
    return top == "django" or top.startswith("django_") or top in {"ninja", "rest_framework"}


def test_the_core_modules_were_found():
    assert {"partspool.core.geo", "partspool.core.lookup", "partspool.core.tabular",
            "partspool.core.imports"} <= set(CORE_MODULES)


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_core_source_has_no_django_import(path):
    offending = [name for name in imported_names(path) if is_django(name)]
    assert offending == [], f"{path.name} imports {offending}"


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_core_imports_only_the_core_from_partspool(path):
    own = [n for n in imported_names(path) if n.split(".")[0] == "partspool"]
    assert all(n == "partspool.core" or n.startswith("partspool.core.") for n in own), own


@pytest.mark.parametrize("module", CORE_MODULES)
def test_importing_a_core_module_loads_no_django(module):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC_DIR), env.get("PYTHONPATH", "")])
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
