"""The library stays pure: stdlib only, its data shipped inside the package, one public API."""

import ast
import sys
from importlib import resources
from pathlib import Path

import onewindow_domain
from onewindow_domain import DomainError, InvalidIdentifier, validate_id_number

SRC = Path(onewindow_domain.__file__).parent


def test_imports_only_the_standard_library():
    allowed = set(sys.stdlib_module_names) | {"onewindow_domain"}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            assert set(roots) <= allowed, f"{path.name} imports {roots}"


def test_data_files_ship_with_the_code():
    data = resources.files("onewindow_domain").joinpath("data")
    assert data.joinpath("holidays.json").is_file()
    assert data.joinpath("wages.json").is_file()


def test_public_api_is_exported():
    for name in onewindow_domain.__all__:
        assert hasattr(onewindow_domain, name), name


def test_errors_are_value_errors_with_code_and_chinese_message():
    try:
        validate_id_number("123")
    except ValueError as exc:  # so a Pydantic validator can raise it unchanged
        assert isinstance(exc, InvalidIdentifier) and isinstance(exc, DomainError)
        assert exc.code == "id_number.length"
        assert str(exc) == exc.message_zh
    else:  # pragma: no cover
        raise AssertionError("expected InvalidIdentifier")
