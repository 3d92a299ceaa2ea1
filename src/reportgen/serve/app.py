"""The Flask app behind `reportgen serve`: file list, form, live check, save, .docx download and page images.

Flask because it is well kept and gives what a small local server needs without a build step: routing, Jinja
(already ours), MAX_CONTENT_LENGTH for bounded POST bodies, TRUSTED_HOSTS, and a test client.
"""

from __future__ import annotations

import base64
import hmac
import itertools
import os
import secrets
import socket
import tempfile
import threading
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from reportgen import resources
from reportgen.errors import InputError, ReportgenError, RequestRefused
from reportgen.load import MAX_BYTES, decode, load_text
from reportgen.serve import form, live, yamlfile

UI_FILE = Path(__file__).with_name("ui.yaml")
MAX_BODY = 2 * MAX_BYTES  # a form's JSON for the largest input file, with room for its quoting
PAGE_DPI = 60
LISTED = 500  # files shown on the index page
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


@cache
def ui() -> dict[str, Any]:
    """The page's and the server's words (ui.yaml)."""
    with open(UI_FILE, encoding="utf-8") as f:
        return yaml.safe_load(f)


def refuse(key: str, status: int = 400, **names: Any) -> RequestRefused:
    return RequestRefused(ui()["errors"][key].format(**names), status)


class Folder:
    """The working folder: every path a request names is resolved (links followed) and must stay inside it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.realpath(root))

    def target(self, name: str | None, exist: bool = True) -> Path:
        """The file a request names, relative to the folder: a .yaml inside it (after links are followed), existing
        when `exist`; for a new file, its folder must exist."""
        if not name or "\x00" in name:
            raise refuse("no_name")
        rel = Path(name)
        if rel.is_absolute() or rel.drive or rel.anchor or ".." in rel.parts:
            raise refuse("outside", 403, name=name, root=self.root)
        if rel.suffix.lower() not in (".yaml", ".yml"):
            raise refuse("not_yaml", name=name)
        full = Path(os.path.realpath(self.root / rel))
        if not full.is_relative_to(self.root):
            raise refuse("outside", 403, name=name, root=self.root)
        if full.exists() and not full.is_file():
            raise refuse("not_regular", name=name)
        if exist and not full.is_file():
            raise refuse("missing", 404, name=name)
        if not full.parent.is_dir():
            raise refuse("no_folder", 404, folder=rel.parent)
        return full

    def name(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def listing(self) -> list[str]:
        """The .yaml files in the folder and its subfolders (hidden ones skipped, links not followed)."""
        found: list[str] = []
        for top, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("node_modules", "__pycache__"))
            found += [Path(top, f).relative_to(self.root).as_posix() for f in sorted(files)
                      if f.lower().endswith((".yaml", ".yml")) and not f.startswith(".")]
            if len(found) >= LISTED:
                break
        return found[:LISTED]


def read(path: Path) -> bytes | None:
    """The file's bytes (None: no file yet), refused above the input size limit."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    if len(raw) > MAX_BYTES:
        raise refuse("too_big_file", 413, mb=MAX_BYTES // 2**20)
    return raw


def create_app(root: Path, workdir: Path | None = None, start: str | None = None, host: str = "127.0.0.1",
               schema: dict[str, Any] | None = None, debug: bool = False) -> Flask:
    """The app for one working folder. `workdir` is where region templates are looked up (the current folder, as
    for `reportgen build`); `start` the file the index opens; `host` what the server listens on (requests naming
    another host are refused, against DNS rebinding); `schema` replaces schema.json (tests); `debug` logs the
    traceback of a bug (else one line, as the CLI does without --debug)."""
    app = Flask(__name__)
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    folder = Folder(root)
    workdir = workdir or Path.cwd()
    token = secrets.token_urlsafe(32)
    save_lock, render_lock = threading.Lock(), threading.Lock()
    trusted = None if host in ("0.0.0.0", "::") else sorted({host, *LOOPBACK})
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY, TRUSTED_HOSTS=trusted, TEMPLATES_AUTO_RELOAD=False)

    def the_schema() -> dict[str, Any]:
        return schema if schema is not None else resources.schema()

    @app.errorhandler(RequestRefused)
    def refused(err: RequestRefused) -> tuple[Response, int] | tuple[str, int]:
        if request.method == "POST":
            return jsonify(error=err.format_message()), err.status
        return render_template("message.html", ui=ui(), message=err.format_message()), err.status

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Any:
        keys = {413: ("too_big", {"mb": MAX_BODY // 2**20}), 404: ("not_found", {}), 405: ("method", {}),
                400: ("bad_request", {})}
        if err.code == 400 and "host" in (err.description or "").lower():  # no URLs can be built: plain text
            message = ui()["errors"]["host"].format(host=request.headers.get("Host", ""))
            return Response(message, 400, mimetype="text/plain; charset=utf-8")
        key, names = keys.get(err.code or 500, ("internal", {}))
        return refused(RequestRefused(ui()["errors"][key].format(**names), err.code or 500))

    @app.errorhandler(Exception)
    def bug(err: Exception) -> Any:
        if debug:
            app.logger.exception("reportgen serve")
        else:
            app.logger.error("%s %s: %s", request.method, request.path, type(err).__name__)
        return refused(RequestRefused(ui()["errors"]["internal"], 500))

    @app.before_request
    def same_origin_only() -> None:
        """A POST must come from our own page: its token, and (when the browser says) our origin."""
        if request.method != "POST":
            return
        origin = request.headers.get("Origin")
        site = request.headers.get("Sec-Fetch-Site")
        sent = request.headers.get("X-Reportgen-Token", "")
        if ((origin is not None and origin != request.host_url.rstrip("/"))
                or (site is not None and site not in ("same-origin", "none"))
                or not hmac.compare_digest(sent.encode(), token.encode())):
            raise refuse("cross_site", 403)

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data: blob:; "
                                                       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    def body() -> dict[str, Any]:
        try:
            data = request.get_json(silent=True)
        except RecursionError as err:  # [[[[…]]]] a few thousand deep: the JSON parser gives up
            raise refuse("too_deep") from err
        if not isinstance(data, dict):
            raise refuse("bad_request")
        if form.depth(data) > 60:
            raise refuse("too_deep")
        return data

    def yaml_for(path: Path, data: Any, raw: bytes | None) -> str:
        """The text the form's data would be saved as: the file updated, or a new file."""
        if not isinstance(data, dict):
            raise refuse("bad_request")
        from reportgen.initfile import SCHEMA_LINE, schema_ref

        value = form.coerce(data, the_schema())
        old = decode(raw, str(path))[0] if raw is not None else None
        try:
            return yamlfile.render(old, value, the_schema(), header=f"{SCHEMA_LINE}{schema_ref(path)}\n")
        except InputError as err:
            raise refuse("changed_unreadable", 409, name=folder.name(path)) from err

    @app.get("/")
    def index() -> Any:
        if start:
            return redirect(url_for("edit", file=start))
        return render_template("index.html", ui=ui(), files=folder.listing(), root=folder.root, limit=LISTED)

    @app.get("/edit")
    def edit() -> Any:
        path = folder.target(request.args.get("file"), exist=False)
        name = folder.name(path)
        raw = read(path)
        data: Any = {}
        if raw is not None:
            try:
                data = load_text(decode(raw, str(path))[0], name).data
            except InputError as err:
                return render_template("message.html", ui=ui(), message=ui()["errors"]["unreadable"].format(name=name),
                                       problems=[p.format() for p in err.problems]), 422
        root_field = form.root_field(the_schema())
        ids = itertools.count(1)
        templates = _templates(root_field)
        by_item = {id(f): tid for tid, f in templates}
        return render_template("edit.html", ui=ui(), f=root_field, data=data, name=name, token=token,
                               version=yamlfile.version(raw), new=raw is None, form=form, templates=templates,
                               next_id=lambda: f"f{next(ids)}", template_of=lambda f: by_item[id(f.item)])

    @app.post("/api/check")
    def check() -> Any:
        sent = body()
        path = folder.target(sent.get("file"), exist=False)
        text = yaml_for(path, sent.get("data"), read(path))
        result = live.check(text, path, folder.root, workdir, ui()["errors"])
        return jsonify(yaml=text, **result)

    @app.post("/api/save")
    def save() -> Any:
        from reportgen.write import atomic_write

        sent = body()
        path = folder.target(sent.get("file"), exist=False)
        name = folder.name(path)
        with save_lock:  # the version check and the write are one step
            raw = read(path)
            if yamlfile.version(raw) != sent.get("version"):
                raise refuse("stale" if sent.get("version") else "exists", 409, name=name)
            text = yaml_for(path, sent.get("data"), raw)
            data = text.encode("utf-8")
            if len(data) > MAX_BYTES:
                raise refuse("too_big_file", 413, mb=MAX_BYTES // 2**20)
            try:
                atomic_write(path, data)
            except ReportgenError as err:
                raise RequestRefused(err.format_message(), 500) from err
        result = live.check(text, path, folder.root, workdir, ui()["errors"])
        return jsonify(version=yamlfile.version(data), yaml=text, **result)

    def saved_file() -> Path:
        path = folder.target(body().get("file"))
        try:
            from reportgen.load import load

            outside = live.previous_problem(load(path), folder.root, ui()["errors"])
        except InputError:
            outside = None  # render() says what is wrong, in the CLI's words
        if outside is not None:
            raise RequestRefused(outside.format(), 422)
        return path

    @app.post("/api/docx")
    def docx() -> Any:
        """The .docx exactly as `reportgen build FILE` writes it: the same render() from the saved file."""
        from reportgen.api import render

        path = saved_file()
        try:
            built = render(path, None, workdir)
        except ReportgenError as err:
            raise RequestRefused(err.format_message(), 422) from err
        response = Response(built.docx, mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        response.headers.set("Content-Disposition", "attachment", filename=f"{path.stem}.docx")
        return response

    @app.post("/api/pages")
    def pages() -> Any:
        """Page images of the saved file through LibreOffice, as `reportgen preview` makes them (one at a time)."""
        from reportgen.api import render
        from reportgen.preview import render as lo
        from reportgen.write import atomic_write

        path = saved_file()
        with render_lock, tempfile.TemporaryDirectory(prefix="reportgen-serve-") as tmp:
            try:
                built = render(path, None, workdir)
                lo.check_fonts()
                source = Path(tmp) / f"{path.stem}.docx"
                atomic_write(source, built.docx)
                pdfs = lo.to_pdf([source], Path(tmp) / "out")
                images = lo.to_png(pdfs[0], Path(tmp) / "out", PAGE_DPI)
            except ReportgenError as err:
                raise RequestRefused(err.format_message(), 422) from err
            encoded = [base64.b64encode(p.read_bytes()).decode("ascii") for p in images]
        return jsonify(pages=[f"data:image/png;base64,{data}" for data in encoded])

    @app.get("/favicon.ico")
    def favicon() -> Any:
        return Response(status=204)  # none: the browser would log a 404 on every page

    return app


def _templates(root: form.Field) -> list[tuple[str, form.Field]]:
    """Each kind of list item once, as a <template> the page clones when the clerk adds one."""
    out: dict[int, tuple[str, form.Field]] = {}
    stack = [root]
    while stack:
        f = stack.pop()
        if f.item is not None and id(f.item) not in out:
            out[id(f.item)] = (f"t{len(out) + 1}", f.item)
        stack.extend(f.children)
        stack.extend(x for g in f.groups for x in g.fields)
        if f.item is not None:
            stack.append(f.item)
    return list(out.values())


DEFAULT_PORT = 8765


def where(target: str | None) -> tuple[Path, str | None]:
    """The working folder and the file to open from `reportgen serve [FILE.yaml | FOLDER]`."""
    from reportgen.errors import ServeError

    path = Path(target or ".")
    if path.is_dir():
        return path, None
    if path.suffix.lower() not in (".yaml", ".yml"):
        key = "not_yaml" if path.exists() else "missing"
        raise ServeError(ui()["cli"][key].format(path=target))
    if (path.exists() and not path.is_file()) or not path.parent.is_dir():
        raise ServeError(ui()["cli"]["missing"].format(path=target))
    return path.parent, path.name


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, or OSError (the port taken, the address not this machine's)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        if os.name == "posix":  # as socketserver does; on Windows the flag would let two servers share a port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
    except OSError:
        sock.close()
        raise
    return sock


def run(target: str | None, host: str, port: int | None, open_browser: bool, echo: Any, debug: bool = False) -> None:
    """Serve until Ctrl-C (then Interrupted, exit 130, as for build) or SIGTERM. `port` None: DEFAULT_PORT, or
    any free port when that one is taken."""
    import errno
    import logging

    from werkzeug.serving import make_server

    from reportgen.errors import Interrupted, ServeError

    root, start = where(target)
    app = create_app(root, Path.cwd(), start, host, debug=debug)
    wanted = DEFAULT_PORT if port is None else port
    try:
        sock = _listen(host, wanted)
    except OSError as err:
        if err.errno != errno.EADDRINUSE:
            raise ServeError(ui()["cli"]["cannot_bind"].format(host=host, port=wanted, reason=err.strerror)) from err
        if port is not None:
            raise ServeError(ui()["cli"]["port_busy"].format(port=port, other=port + 1)) from err
        sock = _listen(host, 0)
        echo(ui()["cli"]["port_moved"].format(port=DEFAULT_PORT, actual=sock.getsockname()[1]))
    bound = sock.getsockname()[1]
    with sock:  # werkzeug works on a duplicate: its own bind would print English and exit on a taken port
        server = make_server(host, bound, app, threaded=True, fd=sock.fileno())
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in the clerk's window
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else (f"[{host}]" if ":" in host else host)
    url = f"http://{shown}:{bound}/"
    if host not in LOOPBACK:
        echo(ui()["cli"]["lan"].format(host=host))
    echo(ui()["cli"]["started"].format(url=url, root=Path(os.path.realpath(root))))
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    server.serve_forever()  # returns when Ctrl-C stops it (werkzeug catches the KeyboardInterrupt)
    raise Interrupted()
