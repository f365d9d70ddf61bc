"""Every module declares its public surface in ``__all__``, and every name there exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

PACKAGES = ("store", "monitor", "crawler", "reports")
SKIP = ("store.migrations",)


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        names.append(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if not info.name.startswith(SKIP) and not info.name.rsplit(".", 1)[-1].startswith("__"):
                names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_module_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if module.__name__ in PACKAGES or (module.__file__ or "").endswith("__init__.py"):
        return  # packages may leave their namespace empty
    assert exported is not None, f"{name} has no __all__"
    missing = [item for item in exported if not hasattr(module, item)]
    assert not missing, f"{name}.__all__ names missing attributes: {missing}"
