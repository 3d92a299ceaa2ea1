"""Every failure a user can cause, as a typed error with its exit code and a Chinese message."""

from __future__ import annotations

from dataclasses import dataclass, field

# Exit codes, documented in the README. Only this module decides them.
EXIT_OK = 0
EXIT_BUILD = 1  # our own fault, or the output could not be written
EXIT_USAGE = 2  # command line misuse (click uses 2 as well)
EXIT_INPUT = 3  # the YAML: syntax, encoding, schema, contradictory facts
EXIT_TEMPLATE = 4  # a template: syntax, missing variable, missing part


@dataclass(frozen=True)
class Problem:
    """One located complaint about an input: where, which field, what is wrong, how to fix it."""

    file: str
    message: str
    line: int | None = None  # 1-based; None when the input has no line for it
    column: int | None = None  # 1-based
    path: str = ""  # field path such as measures.topics[2].items[0].facts[1].count
    hint: str = ""

    def format(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: "
        if self.path:
            text += f"字段 {self.path}："
        text += self.message
        if self.hint:
            text += f"\n    提示：{self.hint}"
        return text


class ReportgenError(Exception):
    """Base class: a failure with a Chinese message for people and an exit code."""

    exit_code = EXIT_BUILD

    def format_message(self) -> str:
        return str(self)


class UsageError(ReportgenError):
    """Raised when the command line names something that cannot be used (region, paths)."""

    exit_code = EXIT_USAGE


@dataclass
class InputError(ReportgenError):
    """Raised when an input YAML is unreadable or invalid; carries every problem found, not only the first."""

    problems: list[Problem] = field(default_factory=list)
    exit_code = EXIT_INPUT

    def __post_init__(self) -> None:
        super().__init__(self.format_message())

    def format_message(self) -> str:
        head = f"输入文件有 {len(self.problems)} 处错误：" if len(self.problems) > 1 else "输入文件有错误："
        return "\n".join([head, *(p.format() for p in self.problems)])


class TemplateError(ReportgenError):
    """Raised when a template cannot be rendered: syntax, an undefined field, a part left out."""

    exit_code = EXIT_TEMPLATE

    def __init__(self, message: str, template: str | None = None, line: int | None = None) -> None:
        self.template = template
        self.line = line
        where = f"{template}:{line}: " if template and line else (f"{template}: " if template else "")
        super().__init__(f"模板错误：{where}{message}")


class OutputError(ReportgenError):
    """Raised when the .docx cannot be written; any earlier file at that path is left as it was."""

    exit_code = EXIT_BUILD
