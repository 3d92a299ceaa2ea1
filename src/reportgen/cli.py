"""Thin click commands; each imports the pipeline only when it runs, so `reportgen --help` starts fast."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import unicodedata
from pathlib import Path

import click

from reportgen import __version__
from reportgen.errors import (
    InternalError,
    Interrupted,
    OutputPathError,
    ReportgenError,
    Terminated,
    UsageError,
)


def _collect(paths: tuple[str, ...], default_dir: str = "inputs",
             patterns: tuple[str, ...] = ("*.yaml", "*.yml")) -> list[str]:
    """Input files from PATHS: files as given, folders expanded to their *.yaml; none → inputs/*.yaml.
    Plain strings: a province's folder may hold tens of thousands, and every worker inherits the list."""
    if not paths:
        folder = Path(default_dir)
        if not folder.is_dir():
            raise UsageError(f"没有指定输入文件，当前目录下也没有 {default_dir}/ 文件夹。用法：reportgen build 文件.yaml")
        paths = (default_dir,)
    found: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():  # names, not Path objects: a province's folder may hold tens of thousands
            suffixes = tuple(pattern.lstrip("*") for pattern in patterns)
            found.extend(sorted(os.path.join(raw, name) for name in os.listdir(p) if name.endswith(suffixes)))
        elif p.is_file():
            found.append(raw)
        else:
            raise UsageError(f"找不到 {raw}：请检查文件名和路径。")
    if not found:
        raise UsageError(f"在 {'、'.join(paths)} 中没有找到输入文件（{'、'.join(patterns)}）。")
    return list(dict.fromkeys(found))


def _print_traceback() -> None:
    """--debug: the bug's traceback (the module loads only then)."""
    import traceback

    traceback.print_exc()


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


class Group(click.Group):
    """Maps our errors to their exit codes and Chinese messages; anything else gets an apology, not a traceback.
    Ctrl-C and SIGTERM unwind like errors, so half-written files are removed and workers stopped on the way out."""

    def invoke(self, ctx: click.Context):
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
        try:
            return super().invoke(ctx)
        except ReportgenError as err:
            click.echo(err.format_message(), err=True)
            sys.exit(err.exit_code)
        except (Interrupted, KeyboardInterrupt) as err:
            from reportgen.write import discard_pending

            discard_pending()  # one the signal caught between creating it and the write's own cleanup
            stop = err if isinstance(err, Interrupted) else Interrupted()
            click.echo(f"\n{stop.format_message()}", err=True)
            sys.exit(stop.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except Exception:
            if ctx.params.get("debug") or (ctx.obj or {}).get("debug"):
                _print_traceback()
            bug = InternalError()
            click.echo(bug.format_message(), err=True)
            sys.exit(bug.exit_code)
        finally:
            if main_thread and previous is not None:  # None: a handler set outside Python, which we cannot restore
                signal.signal(signal.SIGTERM, previous)


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _plan(inputs: list[str], out: str | None,
          formats: tuple[str, ...] = ("docx",)) -> tuple[list[str] | list[tuple[str, str]], str | None]:
    """Where each input is written: the tasks and the output folder (None when one input names its file: .docx,
    .pdf or .html, the other formats beside it). Checked before anything is built: no output is an input, no two
    inputs write the same file."""
    from reportgen.publish import formats as publish

    if out and out.lower().endswith((".yaml", ".yml")):
        if any(_same_file(out, src) for src in inputs):
            raise OutputPathError(f"-o {out} 是要读取的输入文件，输出不能覆盖输入：请把 -o 改为 .docx 文件名或输出文件夹。")
        raise OutputPathError(f"-o {out} 是 YAML 文件名：输出应是 .docx 文件（一份输入时）或文件夹，"
                              "如 -o build/ 或 -o 报告.docx。")
    if len(inputs) == 1 and out and not os.path.isdir(out) and out.lower().endswith(publish.SUFFIXES):
        if _same_file(out, inputs[0]):
            raise OutputPathError(f"-o {out} 就是输入文件本身，输出不能覆盖输入：请换一个输出文件名。")
        from reportgen.write import writable_target

        for target in publish.paths(Path(out), formats).values():
            writable_target(target)  # a FIFO or device there: said now, not after the build
        return [(inputs[0], out)], None
    outdir = out or "build"
    if os.path.exists(outdir) and not os.path.isdir(outdir):
        raise OutputPathError(f"-o {outdir} 是已有的文件，不是文件夹：多份输入时 -o 写输出文件夹"
                              "（只有一份输入时可以写 .docx 文件名）。")
    writes: dict[str, list[str]] = {}
    for src in inputs:  # NFC and casefold: Town.yaml and town.yaml are one file on Windows and macOS
        writes.setdefault(unicodedata.normalize("NFC", Path(src).stem).casefold(), []).append(src)
    clashes = [group for group in writes.values() if len(group) > 1]
    if clashes:
        lines = [f"{'、'.join(group)} 都会写入 {Path(outdir) / Path(group[0]).stem}.docx" for group in clashes]
        raise OutputPathError("有多份输入会生成同名的报告，后生成的会覆盖先生成的，因此没有生成任何报告：\n"
                              + "\n".join(f"  {line}" for line in lines)
                              + "\n请给其中的文件改名（文件名决定报告名），或分几次生成、用 -o 指定不同的输出文件夹。")
    for src in inputs:
        if src.lower().endswith(".docx") and _same_file(os.path.join(outdir, f"{Path(src).stem}.docx"), src):
            raise OutputPathError(f"{src} 的报告会写到它自己的位置，输出不能覆盖输入：请用 -o 指定另一个输出文件夹。")
    return inputs, outdir


@click.group(cls=Group, help="乡镇法治政府建设年度报告生成器：填写 YAML，生成符合 GB/T 9704-2012 的 .docx 报告。",
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", message="reportgen %(version)s")
@click.option("--debug", is_flag=True, help="出错时显示详细的程序信息（供维护人员排查）。")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    ctx.obj = {"debug": debug}


@main.command(help="生成报告。PATHS 可以是 .yaml 文件或文件夹；不写则生成 inputs/ 下的全部 .yaml，输出到 build/。"
                   "多份输入时并行生成，某一份出错不影响其他各份，最后列出全部错误。")
@click.argument("paths", nargs=-1)
@click.option("-o", "--output", "out", help="输出位置：只有一个输入时是 .docx 文件路径（--format 的其他格式与它同名并排，"
                                            "也可写 .pdf、.html 文件名），多个输入时是文件夹（默认 build/）。")
@click.option("--region", help="地区模板名称（templates/ 下的文件夹），优先于 YAML 中的 region。")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="并行进程数，默认等于 CPU 核数。")
@click.option("-v", "--verbose", is_flag=True,
              help="逐份列出生成结果，并列出每份报告中使用的标准表述（镇里没有自己写、由模板补上的句子），以便核对。")
@click.option("--mark", is_flag=True, help="在 Word 文档中把标准表述标黄，便于逐句核对（核对后请不加 --mark 重新生成再打印）。")
@click.option("--previous", help="上一年度的 YAML，用于写出同比（优先于输入文件中的 previous；只能有一份输入）。")
@click.option("--format", "fmt", default="docx", show_default=True,
              help="输出格式：docx、pdf、html，可用逗号组合（如 docx,pdf,html），同名文件并排写出。"
                   "pdf 为 PDF/A，经 LibreOffice 转换（一批只启动一次）；html 是供政府网站发布的单个网页。")
@click.pass_obj
def build(obj: dict, paths: tuple[str, ...], out: str | None, region: str | None, jobs: int | None, verbose: bool,
          mark: bool, previous: str | None = None, fmt: str = "docx") -> None:
    import time

    from reportgen.batch import Result, build_all
    from reportgen.publish import formats as publish

    formats = publish.parse(fmt)
    inputs = _collect(paths)
    tasks, outdir = _plan(inputs, out, formats)
    if previous is not None and len(inputs) != 1:
        raise UsageError(f"--previous 只能用于一份输入（现在有 {len(inputs)} 份）：多份输入时在各自的 YAML 中写 previous。")
    if "pdf" in formats:  # before anything is written: LibreOffice missing stops the batch, not its end
        from reportgen.publish.pdf import require

        require()
    started = time.perf_counter()
    failures = []
    built = 0
    single = len(inputs) == 1
    results = build_all(tasks, region, Path.cwd(), jobs, outdir=outdir, mark=mark, debug=obj["debug"],
                        previous=previous, formats=formats,
                        on_pdf=lambda n: click.echo(("" if single else "\n") + f"LibreOffice 转换 {n} 份 PDF……",
                                                    err=True))
    # one input has no progress to show (and a bar would load click's terminal code, 2 ms of the start)
    bar = contextlib.nullcontext() if single else click.progressbar(length=len(inputs), label="生成报告", file=sys.stderr)
    with contextlib.closing(results), bar as progress:
        for result in results:
            if progress is not None:
                progress.update(1)
            absent = [p for p in result.outputs or (result.output,) if not os.path.isfile(p)]
            if result.error is None and absent:  # the summary counts what is on disk
                missing = InternalError(f"报告显示已生成，但磁盘上找不到 {absent[0]}。")
                result = Result(result.source, result.output, missing.format_message(), missing.exit_code)
            if result.error is not None:
                failures.append(result)
                continue
            built += 1
            if single or verbose:
                click.echo(f"✓ {result.source} → {'、'.join(map(str, result.outputs or (result.output,)))}")
                if verbose:
                    click.echo(f"  标准表述 {len(result.standard)} 处（镇里没有自己写、由模板补上，请逐句核对）：")
                    for line in result.standard:
                        click.echo(f"    {line}")
                    if result.stale:
                        click.echo(f"  待更新的数字 {len(result.stale)} 处（沿用上年，请改为今年的数字）：")
                        for line in result.stale:
                            click.echo(f"    {line}")
            for warning in result.warnings:
                click.echo(f"注意：{warning}", err=True)
    seconds = time.perf_counter() - started
    for result in failures:
        click.echo(f"✗ {result.source}\n{result.error}", err=True)
    if not single or failures:
        click.echo(f"共 {len(inputs)} 份：成功 {built} 份，失败 {len(inputs) - built} 份，"
                   f"用时 {seconds:.1f} 秒。", err=True)
    if failures:
        sys.exit(max(r.exit_code for r in failures))


@main.command(help="只检查 YAML 输入是否正确，不生成报告；--templates 检查地区模板读取的字段是否都存在。")
@click.argument("paths", nargs=-1)
@click.option("--templates", is_flag=True, help="检查模板：每个模板读取的字段都要在输入格式中存在。")
@click.option("--region", help="只检查这个地区的模板（默认检查全部）。")
@click.pass_obj
def validate(obj: dict, paths: tuple[str, ...], templates: bool, region: str | None) -> None:
    from reportgen.api import check

    failures: list[ReportgenError] = []
    if templates:
        from reportgen.errors import TemplateError
        from reportgen.regions import all_regions, check_templates

        names = [region] if region else [r.name for r in all_regions(Path.cwd())]
        for name in names:
            problems = check_templates(name, Path.cwd())
            if problems:
                report = "\n".join(p.format() for p in problems)
                failures.append(TemplateError(report))
                click.echo(f"✗ 模板 {name}\n{report}", err=True)
            else:
                click.echo(f"✓ 模板 {name}")
        if not paths:
            if failures:
                sys.exit(max(e.exit_code for e in failures))
            return
    if not paths:
        raise UsageError("请给出要检查的 YAML 文件或文件夹，或加 --templates 检查模板。")
    for src in _collect(paths):
        try:
            _, warnings = check(Path(src))
        except Exception as err:  # a bug met by one file is that file's failure: the rest are still checked
            if not isinstance(err, ReportgenError):
                if obj["debug"]:
                    _print_traceback()
                err = InternalError(f"检查时出现了意外错误（{type(err).__name__}）。")
            failures.append(err)
            click.echo(f"✗ {src}", err=True)
            click.echo(err.format_message(), err=True)
            continue
        for w in warnings:
            click.echo(f"注意：{w.format()}", err=True)
        click.echo(f"✓ {src}")
    if failures:
        sys.exit(max(e.exit_code for e in failures))


def _month_day(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, int]:
    from reportgen.lint import month_day

    try:
        return month_day(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from err


@main.command(help="像县里的审核人员一样检查 YAML 输入，只报告问题、不生成报告。PATHS 可以是 .yaml 文件或文件夹。"
                   "每条问题给出 文件:行:列、级别（错误/警告/提示）、检查编号、字段、问题和改法，按文件和行号排列，最后一行是汇总。"
                   "退出码：没有错误为 0（只有警告、提示时也是 0，加 --strict 时警告也算不通过）；"
                   "输入格式有误为 3；其他错误（或 --strict 下的警告）为 5。--list 列出全部检查。")
@click.argument("paths", nargs=-1)
@click.option("--strict", is_flag=True, help="有警告也算不通过（退出码 5），供 CI 使用。")
@click.option("--deadline", default="3-1", show_default=True, callback=_month_day,
              help="向上级报送的截止日期，报告年度次年的“月-日”：成文日期晚于它为警告。")
@click.option("--publish-by", default="4-1", show_default=True, callback=_month_day,
              help="向社会公开的截止日期，次年的“月-日”（《法治政府建设与责任落实督察工作规定》：4月1日前）："
                   "成文日期晚于它为错误。")
@click.option("--previous", type=click.Path(dir_okay=False, path_type=Path),
              help="上一年度的 YAML，代替输入中的 previous:，用来找出与上年相同、可能未更新的数字（只检查一份输入时可用）。")
@click.option("-q", "--quiet", is_flag=True, help="不逐条列出提示（如标准表述），只列错误和警告；汇总仍计入提示。")
@click.option("--list", "list_checks", is_flag=True, help="列出全部检查的编号、级别和说明，不检查文件。")
@click.pass_obj
def lint(obj: dict, paths: tuple[str, ...], strict: bool, deadline: tuple[int, int], publish_by: tuple[int, int],
         previous: Path | None, quiet: bool, list_checks: bool) -> None:
    from reportgen.errors import EXIT_BUILD, EXIT_INPUT, EXIT_LINT
    from reportgen.lint import CHECKS, ERROR, HINT, WARNING, Options, counts, lint_file

    if list_checks:
        for check in CHECKS:
            click.echo(f"{check.id:<18} {check.severity}  {check.description}")
        return
    if not paths:
        raise UsageError("请给出要检查的 YAML 文件或文件夹，如 reportgen lint 本镇.yaml。")
    inputs = _collect(paths)
    if previous is not None and len(inputs) > 1:
        raise UsageError("--previous 只能用于检查一份输入；多份输入请在各自的 YAML 中写 previous:。")
    options = Options(deadline, publish_by, previous, Path.cwd())
    total = dict.fromkeys((ERROR, WARNING, HINT), 0)
    exit_code = 0
    for src in inputs:
        try:
            findings = lint_file(src, options)
        except Exception:  # a bug met by one file is that file's failure: the rest are still checked
            if obj["debug"]:
                _print_traceback()
            click.echo(f"{src}: {InternalError('检查时出现了意外错误。').format_message()}", err=True)
            exit_code = max(exit_code, EXIT_BUILD)
            continue
        for finding in findings:
            if not (quiet and finding.severity == HINT):
                click.echo(finding.format())
        found = counts(findings)
        for severity, n in found.items():
            total[severity] += n
        if any(f.severity == ERROR and f.check in ("schema", "facts", "previous") for f in findings):
            exit_code = max(exit_code, EXIT_INPUT)
        elif found[ERROR] or (strict and found[WARNING]):
            exit_code = max(exit_code, EXIT_LINT)
    click.echo(f"共检查 {len(inputs)} 份：错误 {total[ERROR]} 处，警告 {total[WARNING]} 处，提示 {total[HINT]} 处"
               + ("（--strict：警告也算不通过）" if strict and total[WARNING] else "") + "。")
    if exit_code:
        sys.exit(exit_code)


@main.command(help="全县汇总：把各镇的 YAML 汇成一张表（默认写到 汇总.xlsx）。每镇一行，标准指标按工作领域分列"
                   "（templates/base/indicators.yaml），合计、平均由程序算好；列出每镇的校验错误、检查（lint）结果和"
                   "标准表述，对不上指标的数字列在「未归类事实」中。有误的镇也保留一行并写明错误，数字不计入合计；"
                   "这时表照样写出，退出码为 3。PATHS 可以是 .yaml 文件或文件夹。")
@click.argument("paths", nargs=-1)
@click.option("-o", "--output", "out", help="输出文件：.xlsx（默认 汇总.xlsx）或 .csv（默认 汇总.csv）。")
@click.option("--format", "fmt", help="xlsx（工作簿，带图表）、csv（UTF-8，Excel 可直接打开）或 table（在终端显示主要指标）；"
                                      "默认按 -o 的扩展名，否则 xlsx。")
@click.option("--region", help="地区模板名称：用它的 indicators.yaml（没有则用 base 的），并按它判断标准表述。")
@click.pass_obj
def summary(obj: dict, paths: tuple[str, ...], out: str | None, fmt: str | None, region: str | None) -> None:
    from reportgen.summary import declaration, output_format, output_path, read_all, render, summarise
    from reportgen.write import atomic_write

    if not paths:
        raise UsageError("请给出各镇的 YAML 文件或文件夹，如 reportgen summary 各镇/ -o 汇总.xlsx。")
    inputs = _collect(paths)
    chosen = output_format(fmt, out)
    target = output_path(inputs, out, chosen)
    decl = declaration(region, Path.cwd())
    towns = []
    with click.progressbar(length=len(inputs), label="汇总", file=sys.stderr, hidden=len(inputs) == 1) as bar:
        for town in read_all(inputs, decl, region, Path.cwd(), obj["debug"]):
            towns.append(town)
            bar.update(1)
    table = summarise(towns, decl)
    data = render(table, chosen)
    if target is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        atomic_write(target, data)
        unplaced = sum(len(t.unplaced) for t in table.valid)
        listed = f"（见工作表「{decl.label('sheet_unplaced')}」）" if chosen == "xlsx" else ""
        click.echo(f"✓ 已写出 {target}：{len(towns)} 份报告（可汇总 {len(table.valid)} 份，有误 {len(table.invalid)} 份），"
                   f"{len(decl.indicators)} 项标准指标，{unplaced} 个数字未归入指标{listed}。")
    for warning in table.warnings if target is not None else ():  # the table prints them above itself
        click.echo(warning, err=True)
    for town in table.invalid:
        click.echo(f"✗ {town.source}\n{town.error}", err=True)
    if table.invalid:
        click.echo(f"有 {len(table.invalid)} 份输入有误：这些镇在汇总表中只有一行错误说明，数字未计入合计。"
                   "请按上面的提示改正后重新汇总。", err=True)
        sys.exit(max(t.exit_code for t in table.invalid))


@main.command(help="输出输入文件的 JSON Schema（供编辑器提示和校验）。")
def schema() -> None:
    from reportgen import resources

    click.echo(resources.schema_path().read_text(encoding="utf-8"), nl=False)


@main.command(help="生成一份待填写的 YAML（每个字段都有中文说明），默认写到 town.yaml。")
@click.argument("path", default="town.yaml")
@click.option("--force", is_flag=True, help="文件已存在时覆盖。")
def init(path: str, force: bool) -> None:
    from reportgen.initfile import render_init
    from reportgen.write import atomic_write, writable_target

    target = Path(path)
    if path == "-":
        click.echo(render_init(), nl=False)
        return
    writable_target(target)  # only a regular file is ever replaced, --force or not
    if target.exists() and not force:
        raise UsageError(f"{target} 已存在，未覆盖。换一个文件名，或加 --force 覆盖。")
    atomic_write(target, render_init(target).encode("utf-8"))
    click.echo(f"已生成 {target}：按注释填写后运行 reportgen build {target}")


def _import_targets(inputs: list[str], out: str | None) -> list[tuple[str, Path]]:
    """Where each imported report's YAML goes, checked before anything is read: -o is the .yaml of a single
    input, else a folder (default the current one); no two inputs may write the same YAML."""
    if len(inputs) == 1 and out and not os.path.isdir(out):
        if not out.lower().endswith((".yaml", ".yml")):
            raise UsageError(f"-o {out}：只有一份输入时 -o 应是 .yaml 文件名（如 -o 本镇.yaml），或一个已有的文件夹。")
        if _same_file(out, inputs[0]):
            raise OutputPathError(f"-o {out} 就是输入文件本身，输出不能覆盖输入：请换一个输出文件名。")
        return [(inputs[0], Path(out))]
    outdir = Path(out or ".")
    if outdir.exists() and not outdir.is_dir():
        raise OutputPathError(f"-o {outdir} 是已有的文件，不是文件夹：导入多份报告时 -o 写输出文件夹。")
    writes: dict[str, list[str]] = {}
    for src in inputs:
        writes.setdefault(unicodedata.normalize("NFC", Path(src).stem).casefold(), []).append(src)
    clashes = [group for group in writes.values() if len(group) > 1]
    if clashes:
        lines = [f"{'、'.join(group)} 都会写入 {outdir / Path(group[0]).stem}.yaml" for group in clashes]
        raise OutputPathError("有多份报告会导入为同名的 YAML，因此没有导入任何报告：\n"
                              + "\n".join(f"  {line}" for line in lines) + "\n请给其中的文件改名，或分几次导入到不同的文件夹。")
    return [(src, outdir / f"{Path(src).stem}.yaml") for src in inputs]


@main.command("import", help="导入上一年度已发布的报告（.txt、.docx、.doc、.wps），生成能重新生成这份报告的 YAML："
                             "句子保留原文，数字写成【】中的事实。PATHS 可以是文件或文件夹。")
@click.argument("paths", nargs=-1)
@click.option("-o", "--output", "out",
              help="输出位置：只有一份输入时可写 .yaml 文件名，否则是文件夹（默认当前文件夹，文件名同输入，扩展名 .yaml）。")
@click.option("--force", is_flag=True, help="输出的 YAML 已存在时覆盖（默认不覆盖）。")
@click.pass_obj
def import_reports(obj: dict, paths: tuple[str, ...], out: str | None, force: bool) -> None:
    from reportgen.importer import SUFFIXES, import_file
    from reportgen.write import atomic_write, writable_target

    if not paths:
        raise UsageError("请给出要导入的报告文件或文件夹，如 reportgen import 2023年报告.docx")
    targets = _import_targets(_collect(paths, patterns=tuple(f"*{s}" for s in SUFFIXES)), out)
    failures: list[ReportgenError] = []
    for n, (src, target) in enumerate(targets, 1):
        where = f"[{n}/{len(targets)}] {Path(src).name}"
        try:
            writable_target(target)
            if target.exists() and not force:
                raise UsageError(f"{target} 已存在，未覆盖。换一个输出位置，或加 --force 覆盖。")
            result = import_file(Path(src), str(target))
            atomic_write(target, result.yaml.encode("utf-8"))
        except Exception as err:  # one report's failure is its own: the others are still imported
            if not isinstance(err, ReportgenError):
                if obj["debug"]:
                    _print_traceback()
                err = InternalError(f"导入 {src} 时出现了意外错误（{type(err).__name__}）。")
            failures.append(err)
            click.echo(f"{where}：✗ 未导入\n{err.format_message()}", err=True)
            continue
        hints = f"，{len(result.warnings)} 处提示（reportgen validate {target} 可查看）" if result.warnings else ""
        click.echo(f"{where} → {target}：{result.numbers} 个数字，{result.unplaced} 行未能归入{hints}", err=True)
    if len(targets) > 1:
        click.echo(f"共 {len(targets)} 份：导入 {len(targets) - len(failures)} 份，失败 {len(failures)} 份。", err=True)
    if failures:
        sys.exit(max(e.exit_code for e in failures))


@main.command("next", help="由本年度的 YAML 生成下一年度的 YAML：年度加一，标题和各部分标题中的年份顺延，清空成文日期和"
                           "发文字号，沿用的数字都标为“待更新”（生成的报告中标色提示），并用 previous 指向本文件以写出同比。")
@click.argument("path")
@click.option("-o", "--output", "out", help="输出的 YAML（默认把文件名中的年份加一，如 qinghe-2025.yaml → qinghe-2026.yaml）。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖。")
def next_(path: str, out: str | None, force: bool) -> None:
    from reportgen.nextyear import next_year

    source = Path(path)
    if not source.is_file():
        raise UsageError(f"找不到 {path}：请检查文件名和路径。")
    target = next_year(source, Path(out) if out else None, force)
    click.echo(f"已生成 {target}：把标为“待更新”的数字改为今年的数字后运行 reportgen build {target}")


@main.group(invoke_without_command=True, help="列出地区模板；reportgen regions new 名称 新建一个。")
@click.pass_context
def regions(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from reportgen.regions import all_regions

    for region in all_regions(Path.cwd()):
        click.echo(f"{region.name:<12} {region.description or '（没有 region.yaml 说明）'}")


@regions.command("new", help="在当前文件夹的 templates/ 下新建一个地区模板（带注释的 report.j2 和 region.yaml）。")
@click.argument("name")
def regions_new(name: str) -> None:
    from reportgen.regions import scaffold

    folder = scaffold(name, Path.cwd())
    click.echo(f"已新建 {folder}/：编辑 report.j2 覆盖需要改的块，然后运行 reportgen build --region {name}")


@main.command(help="预览报告：把 YAML（先生成）或 .docx 转成 PDF、每页一张 PNG 和一张全部页面并排的总览图；"
                   "--format txt 不需要 LibreOffice，直接在终端显示提纲和正文。")
@click.argument("paths", nargs=-1)
@click.option("-o", "--output", "out", default="preview", show_default=True, help="预览文件的输出文件夹。")
@click.option("--format", "fmt", default="pdf,png", show_default=True, help="pdf、png、txt，可用逗号组合。")
@click.option("--dpi", default=80, show_default=True, type=click.IntRange(20, 600), help="PNG 的分辨率。")
@click.option("--region", help="地区模板名称，优先于 YAML 中的 region。")
def preview(paths: tuple[str, ...], out: str, fmt: str, dpi: int, region: str | None) -> None:
    formats = {f.strip().lower() for f in fmt.split(",") if f.strip()}
    if not formats or not formats <= {"pdf", "png", "txt"}:
        raise UsageError(f"--format 只能是 pdf、png、txt 或它们的组合（用逗号分隔），现在是 “{fmt}”。")
    inputs = [Path(p) for p in _collect(paths, patterns=("*.yaml", "*.yml", "*.docx"))]
    if "txt" in formats:
        from reportgen.api import compose_blocks
        from reportgen.preview.text import blocks_from_docx, render_text

        for src in inputs:
            blocks = blocks_from_docx(src) if src.suffix == ".docx" else compose_blocks(src, region, Path.cwd())[1]
            click.echo(f"==== {src} ====")
            click.echo(render_text(blocks))
        formats -= {"txt"}
        if not formats:
            return
    _preview_files(inputs, Path(out), formats, dpi, region)


def _preview_files(inputs: list[Path], outdir: Path, formats: set[str], dpi: int, region: str | None) -> None:
    """Build YAML inputs, convert all .docx in one LibreOffice start, then rasterise and make contact sheets."""
    import tempfile

    from reportgen.api import render
    from reportgen.preview import render as lo
    from reportgen.write import atomic_write

    stems = [p.stem for p in inputs]
    clashes = sorted({s for s in stems if stems.count(s) > 1})
    if clashes:
        raise UsageError(f"有多个输入同名（{'、'.join(clashes)}），预览文件会互相覆盖；请分开预览或改名。")
    lo.check_fonts()
    failures: list[tuple[Path, ReportgenError]] = []
    with tempfile.TemporaryDirectory(prefix="reportgen-preview-") as tmp:
        docs: list[Path] = []
        with click.progressbar(inputs, label="生成 .docx", file=sys.stderr) as bar:
            for src in bar:
                if src.suffix == ".docx":
                    docs.append(src)
                    continue
                try:
                    built = render(src, region, Path.cwd())
                except ReportgenError as err:
                    failures.append((src, err))
                    continue
                target = Path(tmp) / f"{src.stem}.docx"
                atomic_write(target, built.docx)
                docs.append(target)
        click.echo(f"LibreOffice 转换 {len(docs)} 份 PDF……", err=True)
        pdfs, failed = lo.convert(docs, outdir) if docs else ([], [])
        failures.extend(failed)
    for pdf, fallback in lo.fallback_faces(pdfs).items():
        if fallback:
            failures.append((pdf, ReportgenError(f"{pdf}：有文字回退到了非中文字体 {'、'.join(fallback)}，"
                                                 f"预览与打印效果不符。请安装：sudo {lo.APT_LINE}")))
    if "png" in formats and pdfs:
        click.echo(f"生成 PNG（{len(pdfs)} 份）……", err=True)
        lo.rasterise(pdfs, outdir, dpi)
    if "pdf" not in formats:
        for pdf in pdfs:
            pdf.unlink()
    for pdf in pdfs:
        click.echo(f"✓ {pdf.stem} → {outdir}/")
    if failures:
        for _, err in failures:
            click.echo(err.format_message(), err=True)
        sys.exit(max(err.exit_code for _, err in failures))


@main.command(help="在浏览器中填写报告：按 schema.json 生成表单，边填边检查，显示预览，保存为同样的 YAML（保留注释），"
                   "下载 .docx。TARGET 是 .yaml 文件（可以是新文件）或文件夹（默认当前文件夹）；只读写这个文件夹中的 .yaml。")
@click.argument("target", required=False)
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="端口（默认 8765，被占用时自动另选；0 表示任选一个空闲端口）。")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听的地址；默认只允许本机访问，0.0.0.0 让局域网中的其他电脑也能访问。")
@click.option("--open", "open_browser", is_flag=True, help="启动后自动用默认浏览器打开页面。")
@click.pass_obj
def serve(obj: dict, target: str | None, port: int | None, host: str, open_browser: bool) -> None:
    from reportgen.serve.app import run

    run(target, host, port, open_browser, click.echo, obj["debug"])


def run() -> None:
    """The `reportgen` command (and `python -m reportgen`): main(), then out without the interpreter's teardown.
    Freeing every module (click, Jinja, lxml, YAML …) one by one took ~30 ms of a ~0.25 s build on this machine,
    and a finished command leaves it nothing to do: files are written, synced and closed, worker pools shut down,
    temporary folders removed, and the streams are flushed here. Should another thread still be alive, the normal
    exit is taken, which waits for it."""
    try:
        main()
        code: object = 0
    except SystemExit as done:
        code = done.code
    if code is not None and not isinstance(code, int):  # sys.exit("message"): printed, exit status 1
        click.echo(code, err=True)
        code = 1
    if threading.active_count() > 1:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (reportgen … | head) is not our error
            stream.flush()
    os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    run()
