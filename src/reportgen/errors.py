"""Every failure a user can cause, as a typed error with its exit code and a Chinese message."""

from __future__ import annotations

import msgspec

# Exit codes, documented in the README. Only this module decides them.
EXIT_OK = 0
EXIT_BUILD = 1  # our own fault, or the output could not be written
EXIT_USAGE = 2  # command line misuse (click uses 2 as well)
EXIT_INPUT = 3  # the YAML: syntax, encoding, schema, contradictory facts
EXIT_TEMPLATE = 4  # a template: syntax, missing variable, missing part
EXIT_LINT = 5  # lint: a valid input with a reviewer's error (or, with --strict, a warning)
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
EXIT_TERMINATED = 143  # SIGTERM (128 + SIGTERM)


class Problem(msgspec.Struct, frozen=True):
    """One located complaint about an input: where, which field, what is wrong, how to fix it."""

    file: str
    message: str
    line: int | None = None  # 1-based; None when the input has no line for it
    column: int | None = None  # 1-based
    path: str = ""  # field path such as measures.topics[2].items[0].facts[1].count
    hint: str = ""
    code: str = ""  # which check found it (lint.py's table), when more than one kind of warning shares a function

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


class InputError(ReportgenError):
    """Raised when an input YAML is unreadable or invalid; carries every problem found, not only the first."""

    exit_code = EXIT_INPUT

    def __init__(self, problems: list[Problem] | None = None) -> None:
        self.problems = problems if problems is not None else []
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
        self.detail = message
        super().__init__(f"模板错误：{where}{message}")


class LayoutError(TemplateError):
    """Raised when a region's region.yaml `layout:` has a value that cannot be used (unknown 字号 or key, no or a
    wrong unit, not positive, a grid that cannot hold): a region is a template, so exit 4, each problem at its line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0]
        ReportgenError.__init__(self, "地区模板的版式设置有误：\n" + "\n".join(p.format() for p in problems))
        self.template, self.line, self.detail = first.file, first.line, first.message


class TemplateLimitError(TemplateError):
    """Raised when a region template goes over the sandbox budget (range length, string size, output size, call
    depth, run time, memory): a stray loop or operator would otherwise run for minutes or fill the memory.
    Raised inside the template without a place; compose.render() re-raises it with the template file and line."""


class OutputError(ReportgenError):
    """Raised when the .docx cannot be written; any earlier file at that path is left as it was."""

    exit_code = EXIT_BUILD


class PreviewError(ReportgenError):
    """Raised for one .docx that LibreOffice could not turn into a PDF; the other files of the batch still are.
    (A file refused before LibreOffice, not a .docx or a zip bomb, is an InputError.)"""

    exit_code = EXIT_BUILD


class OutputPathError(UsageError):
    """Raised before anything is written when an output path cannot be used: two inputs would write it, it is an
    input, or something other than a regular file (a folder, a FIFO, a device) stands there."""


class ServeError(UsageError):
    """Raised when `reportgen serve` cannot start: the file or folder is missing or not a YAML, or the address
    cannot be bound (the port is taken)."""


class RequestRefused(ReportgenError):
    """Raised inside `reportgen serve` for one web request it refuses (a path outside the working folder, a stale or
    cross-site save, an oversized body); the page shows the message with the HTTP `status`, the server keeps
    running. The exit code applies only if one ever reaches the command line."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class InternalError(ReportgenError):
    """Raised (or recorded for one input of a batch) when reportgen itself fails: a bug, or a worker process that
    died; the message apologises and says what to send, so the clerk knows the input is not at fault."""

    exit_code = EXIT_BUILD
    HINT = "这是 reportgen 自身的问题，不是您的输入有误，非常抱歉。请把上面的命令和输入文件发给维护人员；加 --debug 可看到详细信息。"

    def __init__(self, what: str = "出现了意外错误。") -> None:
        super().__init__(what + self.HINT)


class Interrupted(BaseException):
    """What Ctrl-C becomes at the command line (its message and exit code). A BaseException, like the
    KeyboardInterrupt it stands for, so no `except Exception` swallows it and half-written files are removed as it
    passes."""

    exit_code = EXIT_INTERRUPTED
    message = "已中止（Ctrl-C）：已写完的文件保留，未写完的临时文件已删除。"

    def format_message(self) -> str:
        return self.message


class Terminated(Interrupted):
    """Raised in the main process when SIGTERM arrives (a shutdown, `kill`): the same clean exit as Ctrl-C."""

    exit_code = EXIT_TERMINATED
    message = "收到终止信号（SIGTERM），已中止：已写完的文件保留，未写完的临时文件已删除。"
