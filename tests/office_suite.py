"""Documents as an office suite shows them: LibreOffice (headless) turns a .docx or .xlsx into a
PDF, and ``pdftotext -bbox`` tells where each word landed on which page. Without LibreOffice or
poppler the test is skipped on a newcomer's machine and fails in CI (``tests.conftest.unavailable``).
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import unavailable

INSTALL = "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-noto-cjk"
_XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Word:
    """A word as pdftotext found it, in points from the page's top left corner."""

    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float

    @property
    def height(self) -> float:
        return self.y_max - self.y_min


@dataclass
class Page:
    number: int  # from 1
    width: float
    height: float
    words: list[Word] = field(default_factory=list)

    def lines(self, tolerance: float = 3.0) -> list[list[Word]]:
        """The words grouped into lines (tops within ``tolerance`` points), top to bottom, each
        left to right."""
        lines: list[list[Word]] = []
        for word in sorted(self.words, key=lambda w: (w.y_min, w.x_min)):
            if lines and abs(lines[-1][0].y_min - word.y_min) <= tolerance:
                lines[-1].append(word)
            else:
                lines.append([word])
        return [sorted(line, key=lambda w: w.x_min) for line in lines]

    def text(self) -> str:
        return "\n".join("".join(w.text for w in line) for line in self.lines())


def require_office_suite() -> str:
    """The LibreOffice command; skips (fails under CI=true) when it or poppler is missing."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        unavailable(f"LibreOffice and poppler not found ({INSTALL})")
    return soffice  # type: ignore[return-value]


def to_pdf(document: Path, folder: Path) -> Path:
    """``document`` converted to PDF by LibreOffice into ``folder`` (its own profile there, so
    that tests running at once do not share one)."""
    soffice = require_office_suite()
    profile = folder / "libreoffice-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(document),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = folder / f"{document.stem}.pdf"
    if not pdf.exists():
        raise AssertionError(f"LibreOffice wrote no PDF for {document.name}")
    return pdf


def pages(pdf: Path) -> list[Page]:
    """Every page of ``pdf`` with its words and their boxes (``pdftotext -bbox``)."""
    output = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, timeout=120).stdout
    root = ET.fromstring(output)
    found = []
    for number, element in enumerate(root.iter(f"{_XHTML}page"), start=1):
        page = Page(number, float(element.get("width", 0)), float(element.get("height", 0)))
        for word in element.iter(f"{_XHTML}word"):
            box = (float(word.get(name, 0)) for name in ("xMin", "yMin", "xMax", "yMax"))
            page.words.append(Word(word.text or "", *box))
        found.append(page)
    return found


def to_png(pdf: Path, folder: Path, resolution: int = 60) -> list[Path]:
    """The pages of ``pdf`` as PNG files in ``folder`` (to look at), in page order."""
    prefix = folder / pdf.stem
    subprocess.run(["pdftoppm", "-png", "-r", str(resolution), str(pdf), str(prefix)], check=True, timeout=120)
    return sorted(folder.glob(f"{pdf.stem}-*.png"))
