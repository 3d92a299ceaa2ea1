"""Thin click commands; each imports the pipeline only when it runs, so `reportgen --help` starts fast."""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
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
                traceback.print_exc()
            bug = InternalError()
            click.echo(bug.format_message(), err=True)
            sys.exit(bug.exit_code)
        finally:
            if main_thread and previous is not None:  # None: a handler set outside Python, which we cannot restore
                signal.signal(signal.SIGTERM, previous)


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _plan(inputs: list[str], out: str | None) -> tuple[list[str] | list[tuple[str, str]], str | None]:
    """Where each input is written: the tasks and the output folder (None when one input names its .docx).
    Checked before anything is built: no output is an input, no two inputs write the same file."""
    if out and out.lower().endswith((".yaml", ".yml")):
        if any(_same_file(out, src) for src in inputs):
            raise OutputPathError(f"-o {out} 是要读取的输入文件，输出不能覆盖输入：请把 -o 改为 .docx 文件名或输出文件夹。")
        raise OutputPathError(f"-o {out} 是 YAML 文件名：输出应是 .docx 文件（一份输入时）或文件夹，"
                              "如 -o build/ 或 -o 报告.docx。")
    if len(inputs) == 1 and out and not os.path.isdir(out) and out.lower().endswith(".docx"):
        if _same_file(out, inputs[0]):
            raise OutputPathError(f"-o {out} 就是输入文件本身，输出不能覆盖输入：请换一个输出文件名。")
        from reportgen.write import writable_target

        writable_target(Path(out))  # a FIFO or device there: said now, not after the build
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
@click.option("-o", "--output", "out", help="输出位置：只有一个输入时是 .docx 文件路径，多个输入时是文件夹（默认 build/）。")
@click.option("--region", help="地区模板名称（templates/ 下的文件夹），优先于 YAML 中的 region。")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="并行进程数，默认等于 CPU 核数。")
@click.option("-v", "--verbose", is_flag=True,
              help="逐份列出生成结果，并列出每份报告中使用的标准表述（镇里没有自己写、由模板补上的句子），以便核对。")
@click.option("--mark", is_flag=True, help="在 Word 文档中把标准表述标黄，便于逐句核对（核对后请不加 --mark 重新生成再打印）。")
@click.pass_obj
def build(obj: dict, paths: tuple[str, ...], out: str | None, region: str | None, jobs: int | None, verbose: bool,
          mark: bool) -> None:
    import contextlib
    import time

    from reportgen.batch import Result, build_all

    inputs = _collect(paths)
    tasks, outdir = _plan(inputs, out)
    started = time.perf_counter()
    failures = []
    built = 0
    single = len(inputs) == 1
    results = build_all(tasks, region, Path.cwd(), jobs, outdir=outdir, mark=mark, debug=obj["debug"])
    with contextlib.closing(results), click.progressbar(length=len(inputs), label="生成报告", file=sys.stderr,
                                                        hidden=single) as bar:
        for result in results:
            bar.update(1)
            if result.error is None and not os.path.isfile(result.output):  # the summary counts what is on disk
                missing = InternalError(f"报告显示已生成，但磁盘上找不到 {result.output}。")
                result = Result(result.source, result.output, missing.format_message(), missing.exit_code)
            if result.error is not None:
                failures.append(result)
                continue
            built += 1
            if single or verbose:
                click.echo(f"✓ {result.source} → {result.output}")
                if verbose:
                    click.echo(f"  标准表述 {len(result.standard)} 处（镇里没有自己写、由模板补上，请逐句核对）：")
                    for line in result.standard:
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
                    traceback.print_exc()
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
    with click.progressbar(pdfs, label="生成 PNG", file=sys.stderr) as bar:
        for pdf in bar:
            fallback = lo.fallback_faces(pdf)
            if fallback:
                failures.append((pdf, ReportgenError(f"{pdf}：有文字回退到了非中文字体 {'、'.join(fallback)}，"
                                                     f"预览与打印效果不符。请安装：sudo {lo.APT_LINE}")))
            if "png" in formats:
                pages = lo.to_png(pdf, outdir, dpi)
                lo.contact_sheet(pages, outdir / f"{pdf.stem}-pages.png")
            if "pdf" not in formats:
                pdf.unlink()
    for pdf in pdfs:
        click.echo(f"✓ {pdf.stem} → {outdir}/")
    if failures:
        for _, err in failures:
            click.echo(err.format_message(), err=True)
        sys.exit(max(err.exit_code for _, err in failures))


if __name__ == "__main__":  # pragma: no cover
    main()
