"""docs/commands.md, the repository's own command reference, says what the parser does.

It is written from the parser (``python -m harmonize_evidence.cli.reference > docs/commands.md``),
so an option added without writing the file again, an option without help text, and a JSON key a
command prints that the reference does not describe each fail here.
"""

from __future__ import annotations

import argparse
import ast
import inspect
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from harmonize_evidence.cli import reference
from harmonize_evidence.cli.casework_commands import step_parser
from harmonize_evidence.cli.parser import TOP_LEVEL_EPILOG, build_parser
from harmonize_evidence.domain.casework import Step

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "commands.md"
WRITE_AGAIN = "write it again: python -m harmonize_evidence.cli.reference > docs/commands.md"


def test_the_command_reference_is_the_one_the_parser_writes() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == reference.command_reference(), WRITE_AGAIN


def test_an_option_added_to_the_parser_without_writing_the_reference_again_fails() -> None:
    parser = build_parser()
    add = reference.commands(parser)["add"]
    add.add_argument("--seen-by", help="who else saw the post")
    written = reference.command_reference(parser)
    assert written != DOCUMENT.read_text(encoding="utf-8")
    assert "| `--seen-by SEEN_BY` | Who else saw the post. |" in written


def every_parser() -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield from reference.commands().items()
    for step in Step:
        yield f"action {step.value}", step_parser(step)


HIDDEN = {("verify-bundle", "store"), ("action", "words")}
"""Arguments kept out of the help on purpose: verify-bundle needs no store (a script that passes
--store is not refused), and action reads its own words (each step's parser has the help)."""


def test_every_argument_and_option_has_help_text() -> None:
    missing = []
    for name, parser in every_parser():
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            if action.help == argparse.SUPPRESS and (name, action.dest) in HIDDEN:
                continue
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{name} {action.option_strings or action.dest}")
    assert missing == []


def test_every_command_and_step_is_in_the_reference_with_its_options() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    for name, parser in every_parser():
        step = name.removeprefix("action ")
        heading = f"#### `action CASE {step}`" if step != name else f"### `{name}`"
        assert heading in text, name
        for action in reference.shown_arguments(parser):
            for option in action.option_strings:
                assert f"`{option}" in text, (name, option)


def test_the_reference_names_the_environment_the_store_folder_and_every_exit_code() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    for words in (
        "HARMONIZE_EVIDENCE_PASSPHRASE",
        "HARMONIZE_EVIDENCE_NEW_PASSPHRASE",
        "HARMONIZE_EVIDENCE_HOME",
        "~/.local/share/Harmonize Evidence",
        "%LOCALAPPDATA%\\Harmonize Evidence",
        "three tries",
    ):
        assert words in text, words
    for code, _meaning in reference.EXIT_CODES:
        assert f"| {code} |" in text
        assert str(code) in TOP_LEVEL_EPILOG  # and --help names it too


def test_the_readme_sends_users_to_the_reference_in_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/commands.md" in readme
    assert "shared design documents" not in readme


# -- the JSON keys each command prints ---------------------------------------------------------


def printed_keys(module: ModuleType, function: str) -> set[str]:
    """The keys of every JSON document that ``function`` (and what it calls in ``module``)
    prints with ``out.result({...}, ...)``, read from the source."""
    tree = ast.parse(inspect.getsource(module))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    seen: set[str] = set()

    def dict_keys(node: ast.expr, scope: ast.FunctionDef) -> set[str]:
        if isinstance(node, ast.Name):  # document = {...}; out.result(document, ...)
            for assign in ast.walk(scope):
                if (
                    isinstance(assign, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == node.id for t in assign.targets)
                    and isinstance(assign.value, ast.Dict)
                ):
                    return dict_keys(assign.value, scope)
            return set()
        if not isinstance(node, ast.Dict):
            return set()
        keys: set[str] = set()
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.add(key.value)
            elif key is None and isinstance(value, ast.Call):  # **_posted_json(exhibit)
                helper = getattr(value.func, "id", None)
                if helper in functions:
                    for ret in ast.walk(functions[helper]):
                        if isinstance(ret, ast.Return) and ret.value is not None:
                            keys |= dict_keys(ret.value, functions[helper])
        return keys

    def visit(name: str) -> set[str]:
        if name in seen or name not in functions:
            return set()
        seen.add(name)
        scope = functions[name]
        keys: set[str] = set()
        for node in ast.walk(scope):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Attribute) and node.func.attr == "result" and node.args:
                keys |= dict_keys(node.args[0], scope)
            elif isinstance(node.func, ast.Name):
                keys |= visit(node.func.id)
        return keys

    return visit(function)


@pytest.mark.parametrize("name", list(reference.commands()))
def test_every_json_key_a_command_prints_is_described(name: str) -> None:
    run = reference.commands()[name].get_default("run")
    module = inspect.getmodule(run)
    assert module is not None
    printed = printed_keys(module, run.__name__)
    assert printed, f"found no JSON document printed by {run.__name__}"
    described = set(reference.JSON_KEYS.get(name, {}))
    assert printed - described == set(), f"{name} prints keys the reference does not describe"
    assert described - printed == set(), f"the reference describes keys {name} does not print"


def test_the_json_keys_are_described_for_commands_that_exist() -> None:
    assert set(reference.JSON_KEYS) == set(reference.commands())
