"""Every relative link of README.md and docs/*.md leads to a file that exists, and to a heading there."""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[(?:[^\]`]|`[^`]*`)*\]\(([^)\s]+)\)")
REFERENCE = re.compile(r"^\[[^\]]+\]:\s*(\S+)", re.MULTILINE)


def prose(text: str) -> str:
    """The text outside fenced code blocks, where a link is a link."""
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    heading = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return heading.replace(" ", "-")


def anchors(page: pathlib.Path) -> set[str]:
    found: set[str] = set()
    text = prose(page.read_text(encoding="utf-8"))
    for heading in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE):
        base = anchor(heading)
        name, n = base, 0
        while name in found:
            n += 1
            name = f"{base}-{n}"
        found.add(name)
    return found


def relative_links(page: pathlib.Path) -> list[str]:
    text = prose(page.read_text(encoding="utf-8"))
    links = LINK.findall(text) + REFERENCE.findall(text)
    return [link for link in links if not re.match(r"[a-z][a-z0-9+.-]*:", link)]


def shown(path: pathlib.Path) -> pathlib.Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def broken(page: pathlib.Path, link: str) -> str | None:
    path, _, fragment = link.partition("#")
    target = (page.parent / path).resolve() if path else page
    if not target.exists():
        return f"{link}: no file {shown(target)}"
    if fragment and target.suffix == ".md" and fragment not in anchors(target):
        return f"{link}: no heading #{fragment} in {shown(target)}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_relative_links_lead_somewhere(page: pathlib.Path) -> None:
    problems = [problem for link in relative_links(page) if (problem := broken(page, link))]
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_broken_link(tmp_path: pathlib.Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n\n## Its `first` part\n\nSee [it](#its-first-part), [gone](#nowhere) "
        "and [no file](missing.md).\n\n```\n[in code](ignored.md)\n```\n",
        encoding="utf-8",
    )
    assert [broken(page, link) is None for link in relative_links(page)] == [True, False, False]
