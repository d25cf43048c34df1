"""The question page in a real browser: Debian's chromium, headless, driven by selenium through
Debian's chromedriver, against a real `factdesk serve` over articles this test writes.

Chromium is installed by `make browser` (which `make test`, so CI, runs). When it is missing
this test fails and says so: a skipped browser test would pass CI without checking the page.
Everything stays on 127.0.0.1: the flags switch off Chromium's own background connections.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.conftest import Served, factdesk_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1200,1600",
)


@pytest.fixture(scope="module")
def page_server(news_server: Served) -> str:
    return news_server.url


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run `make browser` (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def ask_in_page(driver: WebDriver, url: str, question: str) -> WebElement:
    driver.get(url)
    box = driver.find_element(By.ID, "question")
    box.clear()
    box.send_keys(question)
    driver.find_element(By.ID, "ask").click()
    WebDriverWait(driver, 120).until(expected_conditions.visibility_of_element_located((By.ID, "result")))
    return driver.find_element(By.ID, "result")


def claims_by_status(result: WebElement) -> dict[str, list[WebElement]]:
    shown: dict[str, list[WebElement]] = {}
    for claim in result.find_elements(By.CSS_SELECTOR, "#claims > li"):
        shown.setdefault(str(claim.get_attribute("data-status")), []).append(claim)
    return shown


def test_the_page_shows_statuses_parties_and_sources(page_server: str, browser: WebDriver, tmp_path: Path) -> None:
    result = ask_in_page(browser, page_server, "How much will the Harbor Bridge repairs cost?")
    assert not browser.find_element(By.ID, "token-row").is_displayed()  # this server needs no token
    shown = claims_by_status(result)
    assert {"disputed", "confirmed"} <= set(shown), shown
    for status, claims in shown.items():
        for claim in claims:  # the status as a label, not only a colour
            assert claim.find_element(By.CSS_SELECTOR, ".status").text.lower() == status
    disputed = " ".join(claim.text for claim in shown["disputed"])
    assert "12 million dollars" in disputed and "9 million dollars" in disputed
    assert "claimed by: the city comptroller" in disputed and "disputed by: the department's budget office" in disputed
    colours = {
        status: claims[0].find_element(By.CSS_SELECTOR, ".status").value_of_css_property("background-color")
        for status, claims in shown.items()
    }
    assert colours["disputed"] != colours["confirmed"]
    sources = result.find_elements(By.CSS_SELECTOR, "#sources > li")
    assert sources and all(source.find_element(By.CSS_SELECTOR, "blockquote").text for source in sources)
    links = [link.get_attribute("href") for link in result.find_elements(By.CSS_SELECTOR, "#sources a.url")]
    assert "https://tribune.example/harbor-bridge" in links and "https://herald.example/bridge-bill" in links
    assert "(2024-03-01)" in result.text
    browser.save_screenshot(str(tmp_path / "answer.png"))
    assert (tmp_path / "answer.png").stat().st_size > 0


def test_article_markup_shows_literally_and_never_runs(page_server: str, browser: WebDriver, tmp_path: Path) -> None:
    result = ask_in_page(browser, page_server, "What did the harbor festival poster print?")
    assert "<b>free fish for everyone</b>" in result.text
    assert "<script>document.title='owned'</script>" in result.text
    assert "Harbor festival <b>poster</b> misprinted" in result.text
    assert browser.title == "factdesk"  # the article's script did not run
    assert result.find_elements(By.CSS_SELECTOR, "b, script") == []  # no element made from article text
    browser.save_screenshot(str(tmp_path / "inert.png"))


def test_an_unanswerable_question_shows_the_abstention(page_server: str, browser: WebDriver) -> None:
    result = ask_in_page(browser, page_server, "Who won the 1998 chess olympiad in Elista?")
    abstained = result.find_element(By.ID, "abstained")
    assert abstained.is_displayed() and abstained.text == "The articles don't say."
    assert not result.find_element(By.ID, "answer").is_displayed()


def test_a_bad_question_shows_the_servers_message(page_server: str, browser: WebDriver) -> None:
    browser.get(page_server)
    browser.find_element(By.ID, "question").send_keys("?!")
    browser.find_element(By.ID, "ask").click()
    state = browser.find_element(By.ID, "state")
    WebDriverWait(browser, 30).until(lambda _: state.text.startswith("Error:"))
    assert "no words" in state.text


def test_a_server_with_a_token_gets_it_asked_for(news_server: Served, browser: WebDriver) -> None:
    with factdesk_server(news_server.root, env={"FACTDESK_HTTP_TOKEN": "page-token"}) as served:
        browser.get(served.url)
        assert not browser.find_element(By.ID, "token-row").is_displayed()
        browser.find_element(By.ID, "question").send_keys("How long will the Harbor Bridge be closed for repairs?")
        browser.find_element(By.ID, "ask").click()
        state = browser.find_element(By.ID, "state")
        WebDriverWait(browser, 60).until(lambda _: state.text.startswith("Error:"))
        assert state.text == "Error: missing or wrong bearer token"
        assert browser.find_element(By.ID, "token-row").is_displayed()
        browser.find_element(By.ID, "token").send_keys("page-token")
        browser.find_element(By.ID, "ask").click()
        WebDriverWait(browser, 120).until(expected_conditions.visibility_of_element_located((By.ID, "result")))
        assert "14 days" in browser.find_element(By.ID, "claims").text and state.text == ""


def test_a_long_address_or_word_does_not_widen_the_page(page_server: str, browser: WebDriver) -> None:
    """A 1,900-character URL made the page 5,160 px wide. The answer is shown by the page's own
    `show` (what a server's answer goes through) with that URL as a source's address, title,
    quote, claim and note."""
    browser.get(page_server)
    url = "https://weekly.example/" + "a" * 1_900
    answer = {
        "question": "q",
        "answer": "a",
        "abstained": False,
        "mode": "extractive",
        "claims": [{"text": url, "status": "reported", "attributed_to": url, "citations": [1]}],
        "sources": [
            {"n": 1, "article_id": "x", "title": url, "outlet": url, "url": url, "published": None, "quote": url}
        ],
        "removed_sentences": 0,
    }
    browser.execute_script("show(arguments[0], arguments[1])", answer, [url])
    assert browser.find_element(By.ID, "result").is_displayed()
    width, inner = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, (width, inner)
