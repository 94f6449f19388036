"""Reading a rulebook file: bytes to text, text to YAML, with errors a person can act on.

PyYAML on its own accepts a mapping with the same key twice (the second silently wins), reports an
unclosed quote at the end of the file rather than where the quote opened, and a file in GBK ends in
a UnicodeDecodeError traceback. These helpers turn each of those into a `Problem` with the line to
look at; `parse_rulebook` reports them like every other error (docs/rulebooks.md, "Validation errors").
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ("YamlProblem", "decode_rulebook_bytes", "load_yaml")


class YamlProblem(Exception):
    """The text is not a usable YAML document: `problems` are (line or None, message) pairs."""

    def __init__(self, problems: list[tuple[int | None, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(m for _line, m in problems))


def decode_rulebook_bytes(data: bytes) -> str:
    """UTF-8 text (with or without a byte-order mark), or YamlProblem naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise YamlProblem(
            [
                (
                    line,
                    f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}); save it as UTF-8 "
                    "(e.g. `iconv -f GBK -t UTF-8 old.yaml > new.yaml`)",
                )
            ]
        )


class _Loader(yaml.SafeLoader):
    """SafeLoader that records every key repeated within one mapping instead of keeping the last."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                self.duplicates.append(
                    (line, f"duplicate key '{key}' (first on line {seen[key]}, again on line {line}); keep one")
                )
            else:
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _thing(context: str) -> str:
    """'while scanning a quoted scalar' → 'quoted scalar'."""
    thing = context.removeprefix("while scanning ").removeprefix("while parsing ")
    return thing.removeprefix("an ").removeprefix("a ")


def _runaway_quote(text: str, line: int) -> int | None:
    """The line of a quoted value that runs on over several lines up to the error's line: the usual
    cause of a parse error far below the mistake (a closing quote is missing, and the value ends at
    the next quote in the file)."""
    found = None
    try:
        for token in yaml.scan(text):
            if token.start_mark.line + 1 > line:
                break
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in ('"', "'")
                and token.end_mark.line > token.start_mark.line
                and token.end_mark.line + 1 >= line - 1
            ):
                found = token.start_mark.line + 1
    except yaml.YAMLError:
        pass
    return found


def _syntax_problem(exc: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    problem = getattr(exc, "problem", None) or str(exc)
    mark = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
    line = mark.line + 1 if mark is not None else None
    quoted = _runaway_quote(text, line) if line is not None else None
    if quoted is not None and quoted < line:
        return quoted, (
            f"not valid YAML: the quoted value that starts here runs on to line {line}, where the parser stops "
            f"({problem}); is its closing quote missing?"
        )
    if context_mark is not None and context:
        opened = context_mark.line + 1
        if "end of stream" in problem or (line is not None and line >= last_line and opened < line):
            # The scanner ran to the end of the file looking for the end of something (a quote, a
            # bracket): the mistake is where that something began, not at the end of the file.
            thing = _thing(context)
            return opened, f"not valid YAML: the {thing} that starts here is never closed ({problem} at line {line})"
        if opened < line and (context.startswith("while scanning") or "flow" in context):
            # A quoted value, a key or a [..]/{..} that began earlier and was never finished: the
            # mistake is where it began (a missing quote, colon or bracket).
            thing = _thing(context)
            return opened, f"not valid YAML: the {thing} that starts here is not finished ({problem} at line {line})"
        if opened != line:
            return line, f"not valid YAML: {problem} ({context} that starts on line {opened})"
    return line, f"not valid YAML: {problem}"


def load_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse `text` once: (data, composed root node for line numbers). Raises YamlProblem."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise YamlProblem([_syntax_problem(exc, text)])
    finally:
        loader.dispose()
    if loader.duplicates:
        raise YamlProblem(list(loader.duplicates))
    return data, root
