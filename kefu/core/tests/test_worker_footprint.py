"""A web worker's memory (issue 12: under 120 MB after 10,000 registrations): the libraries only a few
pages need — openpyxl (and Pillow under it) for the Excel downloads, jieba and its dictionary code for
the knowledge search — are imported by the view that uses them, not when the URLs load. Together they
were ~15 MB of every worker's resident memory (docs/benchmarks.md)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every app's urls and views, as a worker's first request loads them
heavy = sorted(name for name in ("openpyxl", "PIL", "jieba", "pkg_resources") if name in sys.modules)
print(",".join(heavy))
"""


def test_loading_every_url_leaves_excel_and_word_cutting_libraries_unloaded():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "DATABASE_URL": ""}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip().splitlines()[-1:] in ([], [""]), out.stdout


def test_the_excel_download_and_the_search_still_load_them():
    """The lazily imported modules are there when used (the page tests cover the content)."""
    from kefu.knowledge.search import query_words
    from kefu.reports.xlsx import monthly_workbook

    assert query_words("车载终端不上线怎么办") and callable(monthly_workbook)
