"""Thin click commands; each imports the pipeline only when it runs, so `reportgen --help` starts fast."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from reportgen import __version__
from reportgen.errors import EXIT_BUILD, ReportgenError, UsageError

BUG_HINT = "这是 reportgen 自身的问题，不是您的输入有误，非常抱歉。请把上面的命令和输入文件发给维护人员；加 --debug 可看到详细信息。"


def _collect(paths: tuple[str, ...], default_dir: str = "inputs") -> list[Path]:
    """Input files from PATHS: files as given, folders expanded to their *.yaml; none → inputs/*.yaml."""
    if not paths:
        folder = Path(default_dir)
        if not folder.is_dir():
            raise UsageError(f"没有指定输入文件，当前目录下也没有 {default_dir}/ 文件夹。用法：reportgen build 文件.yaml")
        paths = (default_dir,)
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        elif p.is_file():
            found.append(p)
        else:
            raise UsageError(f"找不到 {raw}：请检查文件名和路径。")
    if not found:
        raise UsageError(f"在 {'、'.join(paths)} 中没有找到 .yaml 输入文件。")
    return list(dict.fromkeys(found))


def _outputs(inputs: list[Path], out: str | None) -> list[Path]:
    if len(inputs) == 1 and out and not Path(out).is_dir() and out.lower().endswith(".docx"):
        return [Path(out)]
    folder = Path(out) if out else Path("build")
    return [folder / f"{p.stem}.docx" for p in inputs]


class Group(click.Group):
    """Maps our errors to their exit codes and Chinese messages; anything else gets an apology, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ReportgenError as err:
            click.echo(err.format_message(), err=True)
            sys.exit(err.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except Exception:
            if ctx.params.get("debug") or (ctx.obj or {}).get("debug"):
                traceback.print_exc()
            click.echo(f"出现了意外错误。{BUG_HINT}", err=True)
            sys.exit(EXIT_BUILD)


@click.group(cls=Group, help="乡镇法治政府建设年度报告生成器：填写 YAML，生成符合 GB/T 9704-2012 的 .docx 报告。",
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", message="reportgen %(version)s")
@click.option("--debug", is_flag=True, help="出错时显示详细的程序信息（供维护人员排查）。")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    ctx.obj = {"debug": debug}


@main.command(help="生成报告。PATHS 可以是 .yaml 文件或文件夹；不写则生成 inputs/ 下的全部 .yaml，输出到 build/。")
@click.argument("paths", nargs=-1)
@click.option("-o", "--output", "out", help="输出位置：只有一个输入时是 .docx 文件路径，多个输入时是文件夹（默认 build/）。")
@click.option("--region", help="地区模板名称（templates/ 下的文件夹），优先于 YAML 中的 region。")
def build(paths: tuple[str, ...], out: str | None, region: str | None) -> None:
    from reportgen.api import build as build_one

    inputs = _collect(paths)
    outputs = _outputs(inputs, out)
    failures: list[tuple[Path, ReportgenError]] = []
    for src, dst in zip(inputs, outputs, strict=True):
        try:
            built = build_one(src, dst, region, Path.cwd())
        except ReportgenError as err:
            failures.append((src, err))
            click.echo(f"✗ {src}", err=True)
            continue
        for w in built.warnings:
            click.echo(f"注意：{w.format()}", err=True)
        click.echo(f"✓ {src} → {dst}")
    if failures:
        for _, err in failures:
            click.echo(err.format_message(), err=True)
        click.echo(f"共 {len(inputs)} 份，成功 {len(inputs) - len(failures)} 份，失败 {len(failures)} 份。", err=True)
        sys.exit(max(err.exit_code for _, err in failures))


@main.command(help="只检查 YAML 输入是否正确，不生成报告。")
@click.argument("paths", nargs=-1, required=True)
def validate(paths: tuple[str, ...]) -> None:
    from reportgen.api import check

    failures: list[ReportgenError] = []
    for src in _collect(paths):
        try:
            _, warnings = check(src)
        except ReportgenError as err:
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
    from reportgen.write import atomic_write

    target = Path(path)
    if path == "-":
        click.echo(render_init(), nl=False)
        return
    if target.exists() and not force:
        raise UsageError(f"{target} 已存在，未覆盖。换一个文件名，或加 --force 覆盖。")
    atomic_write(target, render_init().encode("utf-8"))
    click.echo(f"已生成 {target}：按注释填写后运行 reportgen build {target}")


if __name__ == "__main__":  # pragma: no cover
    main()
