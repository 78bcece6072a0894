"""A read-only web explorer over a prover service's data directory (``attrib explorer``).

:mod:`attrib.explorer.index` keeps an index of the data directory in the explorer's own SQLite
file (filled incrementally from SUCCEEDED jobs; the service's database is opened read-only);
:mod:`attrib.explorer.app` serves it with Starlette and Jinja2 as server-rendered HTML (charts
are inline SVG, so every page works with JavaScript off) and as JSON at the same URLs.
"""
