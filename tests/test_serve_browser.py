"""reportgen serve in a real browser (headless Chromium through Debian's chromedriver): a clerk fills a facts-only
town from scratch, sees a message at the field and fixes it, reorders, saves and downloads the .docx, which is
byte for byte what `reportgen build` makes of the saved YAML. Screenshots at 1366×768 go to /tmp/serve-shots."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reportgen.api import check
from reportgen.cli import main
from reportgen.serve.app import create_app, ui

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
SHOTS = Path("/tmp/serve-shots")
WAIT = 30  # seconds a step may take on a loaded machine; a wait, not an assertion about speed


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    from werkzeug.serving import make_server

    root = tmp_path / "work"
    root.mkdir()
    server = make_server("127.0.0.1", 0, create_app(root, Path(__file__).resolve().parent.parent), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", root
    server.shutdown()
    thread.join()


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # selenium manager must not download a driver or a browser
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768",
                "--lang=zh-CN", "--disable-gpu"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    try:
        yield driver, downloads
    finally:
        driver.quit()


def test_fill_check_save_download(served: tuple[str, Path], browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    url, root = served
    driver, downloads = browser
    SHOTS.mkdir(exist_ok=True)
    wait = WebDriverWait(driver, WAIT)

    def css(selector: str, within=None):
        return (within or driver).find_element(By.CSS_SELECTOR, selector)

    def click(element) -> None:
        """As a clerk does: scroll the form to it, then click (chromedriver does not scroll inner panes)."""
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def typed(selector: str, text: str, within=None, clear: bool = False) -> None:
        box = css(selector, within)
        if clear:
            box.clear()
        box.send_keys(text)

    def choose(selector: str, value: str, within=None) -> None:
        """Pick an option as the keyboard does (one WebDriver call, where Select() makes one per option)."""
        driver.execute_script("const s = arguments[0]; s.focus(); s.value = arguments[1];"
                              "s.dispatchEvent(new Event('change', {bubbles: true}));", css(selector, within), value)

    def messages(selector: str) -> str:
        return css(f"{selector} .msgs").text

    def add(array: str, within=None):
        """Click the list's add button; the new item."""
        box = css(array, within)

        def count() -> int:  # a script, not find_elements: that waits the implicit wait out while there are none
            return driver.execute_script("return arguments[0].querySelectorAll(':scope > .items > li').length", box)

        before = count()
        # By keyboard, as the page must allow: a mouse click is aimed at coordinates, and on a busy CI the pane
        # could still be moving under it (the item then never came).
        css(":scope > .add", box).send_keys(Keys.ENTER)
        wait.until(lambda _: count() > before)
        return box.find_elements(By.CSS_SELECTOR, ":scope > .items > li")[-1]

    def fact(item, label: str, kind: str, number: str, unit: str | None = None) -> None:
        new = add('[data-key="facts"]', item)
        typed('[data-key="label"] .ctl', label, new)
        if kind != "count":  # the first kind is selected already
            choose(".kindsel", kind, new)
        group = css(f'.group[data-kind="{kind}"]', new)
        typed(".ctl", number, group)
        if unit:
            typed('[data-key="unit"] .ctl', unit, group)

    driver.get(f"{url}/edit?file=town.yaml")
    assert driver.execute_script("return [window.outerWidth, window.outerHeight]") == [1366, 768]
    wait.until(lambda d: css("#summary").text)  # the first check has answered
    year = '[data-key="year"]'
    typed(f"{year} .ctl", "２０２５")
    wait.until(lambda d: "应当是整数" in messages(year))
    assert "请改成半角数字：2025" in messages(year)  # the CLI's message and hint, at the field
    assert css(f"{year} .ctl").get_attribute("aria-invalid") == "true"
    driver.save_screenshot(str(SHOTS / "1-message-at-field.png"))
    typed(f"{year} .ctl", "2025", clear=True)
    wait.until(lambda d: not messages(year))

    typed('[data-key="town"] [data-key="name"] .ctl', "青禾镇")
    typed('[data-key="town"] [data-key="issuer"] .ctl', "示例县青禾镇人民政府")
    topics = '[data-key="measures"] [data-key="topics"]'
    first = add(topics)
    choose('[data-key="area"] .ctl', "enforcement", first)
    fact(first, "开展行政检查", "count", "52", "次")
    second = add(topics)
    choose('[data-key="area"] .ctl', "disputes", second)
    fact(second, "化解矛盾纠纷", "count", "165", "件")
    fact(second, "调解成功率", "rate", "95")
    choose('[data-key="approx"] .ctl', "以上", second.find_elements(By.CSS_SELECTOR, ".fact")[-1])
    css(':scope > .tools button[data-act="up"]', second).send_keys(Keys.ENTER)  # by keyboard: disputes first
    for section in ("shortcomings", "plans"):
        item = add(f'[data-key="{section}"] [data-key="items"]')
        choose('[data-key="area"] .ctl', "publicity", item)
    wait.until(lambda d: css("#summary").text == ui()["js"]["ok"])
    assert "化解矛盾纠纷165件" in css("#preview").text
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", css(topics))
    driver.save_screenshot(str(SHOTS / "2-filled-with-preview.png"))

    click(css("#save"))
    wait.until(lambda d: "已保存" in css("#status").text)
    saved = root / "town.yaml"
    data = yaml.safe_load(saved.read_text(encoding="utf-8"))
    assert [t["area"] for t in data["measures"]["topics"]] == ["disputes", "enforcement"]
    assert data["measures"]["topics"][0]["facts"][1] == {"label": "调解成功率", "rate": 95, "approx": "以上"}
    assert data["year"] == 2025 and data["leaders"] == {}
    check(saved)  # validates: raises InputError otherwise

    click(css("#download"))
    target = downloads / "town.docx"
    wait.until(lambda d: target.is_file() and not list(downloads.glob("*.crdownload")))
    driver.save_screenshot(str(SHOTS / "3-saved-and-downloaded.png"))
    built = tmp_path / "built.docx"
    result = CliRunner().invoke(main, ["build", str(saved), "-o", str(built)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == built.read_bytes()
